"""What answers cost, straight from the cost ledger (`ragbus cost`): per answer, per tenant and per UTC day, over
the last days, with a monthly projection at a request rate.

An answer is a request with a `generation` row (a redelivery generated twice was paid twice: both rows count,
the answer once); a cache hit is a generation row costing 0. A generation writes a row per model call the API
billed, rejected ones included (`outcome` ≠ 'served'), and exactly one 'served' row: an answer's cost is all its
rows, generation entries and the cache hit rate count the 'served' rows (one per generation). `judge` rows
(scoring answers for evaluation) are the operator's spend, shown apart, and projected per generated answer like
the generation cost.
"""

from dataclasses import dataclass
from datetime import date, timedelta

import asyncpg

from libs.reporting.rows import fetch_dicts

GENERATION, JUDGE = "generation", "judge"
SERVED = "outcome = 'served'"
DAYS_PER_MONTH = 30
SECONDS_PER_DAY = 86_400
SCOPE = "day >= $1 AND ($2::text IS NULL OR tenant = $2)"


@dataclass(frozen=True)
class LedgerScope:
    days: int
    today: date
    tenant: str | None = None

    @property
    def first_day(self) -> date:
        return self.today - timedelta(days=self.days - 1)

    def args(self) -> tuple:
        return self.first_day, self.tenant


async def grouped(pool: asyncpg.Pool, scope: LedgerScope, dimension: str | None) -> list[dict]:
    """Per purpose (and tenant or day): generations ('served' rows), answers, cost, cache hits, and the billed
    calls that were rejected (their cost is part of `cost_usd`)."""
    column = f"{dimension}, " if dimension else ""
    return await fetch_dicts(pool, f"""
        SELECT {column}purpose, count(*) FILTER (WHERE {SERVED}) AS entries, count(DISTINCT request_id) AS answers,
               coalesce(sum(cost_usd), 0) AS cost_usd, count(*) FILTER (WHERE cache_hit) AS cache_hits,
               count(*) FILTER (WHERE NOT {SERVED}) AS failed_attempts,
               coalesce(sum(cost_usd) FILTER (WHERE NOT {SERVED}), 0) AS failed_attempts_usd
        FROM cost_ledger WHERE {SCOPE} GROUP BY {column}purpose ORDER BY {column}purpose""", *scope.args())


async def answer_costs(pool: asyncpg.Pool, scope: LedgerScope) -> dict:
    """The distribution of one answer's generation cost (its rows summed: billed rejected calls included)."""
    rows = await fetch_dicts(pool, f"""
        WITH answer AS (SELECT request_id, sum(cost_usd) AS cost_usd FROM cost_ledger
                        WHERE {SCOPE} AND purpose = '{GENERATION}' GROUP BY request_id)
        SELECT count(*) AS answers, coalesce(avg(cost_usd), 0) AS mean_usd,
               coalesce(percentile_cont(0.5) WITHIN GROUP (ORDER BY cost_usd), 0) AS p50_usd,
               coalesce(percentile_cont(0.95) WITHIN GROUP (ORDER BY cost_usd), 0) AS p95_usd,
               coalesce(max(cost_usd), 0) AS max_usd FROM answer""", *scope.args())
    return rows[0]


EMPTY_LINE = {"answers": 0, "generation_usd": 0.0, "cache_hits": 0, "generation_entries": 0, "failed_attempts": 0,
              "failed_attempts_usd": 0.0, "judge_usd": 0.0, "judged_answers": 0}


def by_purpose(rows: list[dict], dimension: str | None = None) -> list[dict]:
    """One line per tenant or day (or one in all) with generation and judge side by side."""
    lines: dict = {}
    for row in rows:
        key = row[dimension] if dimension else "all"
        line = lines.setdefault(key, {**({dimension: key} if dimension else {}), **EMPTY_LINE})
        if row["purpose"] == GENERATION:
            line.update(answers=row["answers"], generation_usd=row["cost_usd"], cache_hits=row["cache_hits"],
                        generation_entries=row["entries"], failed_attempts=row.get("failed_attempts", 0),
                        failed_attempts_usd=row.get("failed_attempts_usd", 0.0))
        elif row["purpose"] == JUDGE:
            line.update(judge_usd=row["cost_usd"], judged_answers=row["answers"])
    return [with_rates(line) for line in lines.values()]


def with_rates(line: dict) -> dict:
    answers, entries = line["answers"], line["generation_entries"]
    return line | {
        "generation_per_answer_usd": line["generation_usd"] / answers if answers else None,
        "judge_per_answer_usd": line["judge_usd"] / answers if answers else None,
        "cache_hit_rate": line["cache_hits"] / entries if entries else None,
    }


def projection(total: dict, requests_per_day: float, basis: str) -> dict:
    """A month (30 days) at `requests_per_day`, from the mean generation and judge cost per answer observed."""
    generation = (total["generation_per_answer_usd"] or 0.0) * requests_per_day * DAYS_PER_MONTH
    judge = (total["judge_per_answer_usd"] or 0.0) * requests_per_day * DAYS_PER_MONTH
    return {"basis": basis, "requests_per_day": requests_per_day, "days": DAYS_PER_MONTH,
            "generation_usd": generation, "judge_usd": judge, "total_usd": generation + judge}


async def ledger_costs(pool: asyncpg.Pool, scope: LedgerScope) -> dict:
    total = (by_purpose(await grouped(pool, scope, None)) or [with_rates(dict(EMPTY_LINE))])[0]
    return {
        "scope": {"days": scope.days, "since_day": scope.first_day.isoformat(), "until_day": scope.today.isoformat(),
                  "tenant": scope.tenant},
        "total": total,
        "per_answer": await answer_costs(pool, scope),
        "per_tenant": by_purpose(await grouped(pool, scope, "tenant"), "tenant"),
        "per_day": by_purpose(await grouped(pool, scope, "day"), "day"),
    }
