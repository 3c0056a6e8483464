"""What answers cost, from the cost ledger: per answer and variant, per tenant and UTC day against its budget.

Two views, labelled as such in the report:
- spend in the period: ledger rows recorded in [since, until), split by purpose (generation counts against
  budgets, judge is the evaluation's own spend);
- per tenant and UTC day: the whole day's generation spend (`cost_ledger.day`) for every day the period
  touches, because budgets are per whole UTC day.
Every sum includes the model calls the API billed and the project rejected (`outcome` ≠ 'served': cut at
`max_tokens`, no text), as the budget does; `generations` counts the 'served' rows, one per generation.
"""

from dataclasses import dataclass, field

import asyncpg

from libs.reporting.period import Period
from libs.reporting.rows import DAY, IN_PERIOD, VARIANT, fetch_dicts, window_args

GENERATION = "generation"


@dataclass(frozen=True)
class Budgets:
    """Daily budget per tenant in USD (None: no limit), as the generate service is configured."""

    default_usd: float | None = 20.0
    per_tenant_usd: dict[str, float] = field(default_factory=dict)

    def of(self, tenant: str) -> float | None:
        return self.per_tenant_usd.get(tenant, self.default_usd)


async def spend_in_period(pool: asyncpg.Pool, period: Period) -> list[dict]:
    return await fetch_dicts(pool, """
        SELECT purpose, tenant, variant, count(*) AS entries, sum(cost_usd) AS cost_usd,
               coalesce(sum(cost_usd) FILTER (WHERE outcome <> 'served'), 0) AS failed_attempts_usd
        FROM cost_ledger
        WHERE recorded_at >= $1 AND recorded_at < $2 AND ($3::text IS NULL OR tenant = $3)
        GROUP BY 1, 2, 3 ORDER BY 1, 2, 3""", *window_args(period))


async def cost_per_answer(pool: asyncpg.Pool, period: Period) -> list[dict]:
    """Answers completed per day and variant with the generation cost of those requests: every row of theirs,
    billed rejected calls included (a redelivery that was generated twice was paid twice, and counts twice)."""
    return await fetch_dicts(pool, f"""
        WITH done AS (SELECT request_id, {DAY} AS day, {VARIANT} AS variant FROM answers WHERE {IN_PERIOD}),
             paid AS (SELECT request_id, sum(cost_usd) AS cost_usd FROM cost_ledger
                      WHERE purpose = '{GENERATION}' AND request_id IN (SELECT request_id FROM done) GROUP BY 1)
        SELECT day, variant, count(*) AS answers, coalesce(sum(paid.cost_usd), 0) AS cost_usd
        FROM done LEFT JOIN paid USING (request_id) GROUP BY 1, 2 ORDER BY 1, 2""", *window_args(period))


async def tenant_days(pool: asyncpg.Pool, period: Period, budgets: Budgets) -> list[dict]:
    days = period.days()
    rows = await fetch_dicts(pool, f"""
        SELECT day, tenant, count(*) FILTER (WHERE outcome = 'served') AS generations, sum(cost_usd) AS spent_usd
        FROM cost_ledger
        WHERE purpose = '{GENERATION}' AND day >= $1 AND day <= $2 AND ($3::text IS NULL OR tenant = $3)
        GROUP BY 1, 2 ORDER BY 1, 2""", days[0], days[-1], period.tenant)
    return [with_budget(row, budgets.of(row["tenant"])) for row in rows]


def with_budget(row: dict, budget: float | None) -> dict:
    share = row["spent_usd"] / budget if budget else None
    over = budget is not None and row["spent_usd"] >= budget
    return row | {"budget_usd": budget, "budget_share": share, "over_budget": over}


def totals(spend: list[dict]) -> dict:
    by_purpose: dict[str, float] = {}
    failed = 0.0
    for row in spend:
        by_purpose[row["purpose"]] = by_purpose.get(row["purpose"], 0.0) + row["cost_usd"]
        failed += row.get("failed_attempts_usd", 0.0) if row["purpose"] == GENERATION else 0.0
    return {"generation_usd": round(by_purpose.get(GENERATION, 0.0), 6),
            "failed_attempts_usd": round(failed, 6),
            "by_purpose_usd": {purpose: round(cost, 6) for purpose, cost in by_purpose.items()}}


def per_answer(rows: list[dict]) -> list[dict]:
    return [row | {"cost_per_answer_usd": row["cost_usd"] / row["answers"] if row["answers"] else None} for row in rows]
