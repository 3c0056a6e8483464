"""The canary view: a control and a candidate variant side by side, with the evidence for a rollout decision.

Per variant, over answers completed in the period that reached the generator (blocked or expired before it
say nothing about a variant): the share of ok answers, end-to-end latency, the generation cost per answer
(cost ledger); and each online eval score (per metric and judge). The newest
`SAMPLE_LIMIT` values of each measure are compared (see `significance`).
"""

from dataclasses import asdict

import asyncpg

from libs.reporting.period import Period
from libs.reporting.rows import IN_PERIOD, VARIANT
from libs.reporting.significance import COST, LATENCY, MIN_SAMPLES, QUALITY, compare, decide

SAMPLE_LIMIT = 5000


def pick_variants(answers_per_variant: dict[str, int], wanted: list[str] | None) -> list[str]:
    """The two variants asked for (control first), else the two with most answers, the busiest as control."""
    if wanted:
        return wanted[:2]
    return sorted(answers_per_variant, key=lambda v: (-answers_per_variant[v], v))[:2]


async def answer_samples(pool: asyncpg.Pool, period: Period, variant: str) -> dict[str, list[float]]:
    rows = await pool.fetch(f"""
        WITH done AS (SELECT request_id, status, (answer->>'total_ms')::float8 AS total_ms, completed_at
                      FROM answers
                      WHERE {IN_PERIOD} AND {VARIANT} = $4 AND jsonb_typeof(answer->'generation') = 'object'
                      ORDER BY completed_at DESC LIMIT $5)
        SELECT done.status, done.total_ms,
               (SELECT coalesce(sum(cost_usd), 0) FROM cost_ledger c
                WHERE c.request_id = done.request_id AND c.purpose = 'generation')::float8 AS cost_usd
        FROM done""", period.since, period.until, period.tenant, variant, SAMPLE_LIMIT)
    return {
        "ok answers (share)": [1.0 if row["status"] == "ok" else 0.0 for row in rows],
        "end-to-end latency (ms)": [row["total_ms"] for row in rows if row["total_ms"] and row["total_ms"] > 0],
        "generation cost per answer (USD)": [row["cost_usd"] for row in rows],
    }


async def score_samples(pool: asyncpg.Pool, period: Period, variant: str) -> dict[str, list[float]]:
    rows = await pool.fetch("""
        SELECT metric, judge, array_agg(value ORDER BY scored_at DESC) AS values FROM eval_scores
        WHERE scored_at >= $1 AND scored_at < $2 AND ($3::text IS NULL OR tenant = $3) AND variant = $4
          AND value IS NOT NULL
        GROUP BY 1, 2 ORDER BY 1, 2""", period.since, period.until, period.tenant, variant)
    return {f"{row['metric']} ({row['judge']})": list(row["values"][:SAMPLE_LIMIT]) for row in rows}


KINDS = {"ok answers (share)": QUALITY, "end-to-end latency (ms)": LATENCY, "generation cost per answer (USD)": COST}


async def canary(pool: asyncpg.Pool, period: Period, variants: list[str], min_samples: int = MIN_SAMPLES) -> dict:
    if len(variants) < 2:
        return {"variants": variants, "comparisons": [], "decision": None,
                "note": "a canary needs two variants with answers in the period"}
    control, candidate = variants
    a = await answer_samples(pool, period, control) | await score_samples(pool, period, control)
    b = await answer_samples(pool, period, candidate) | await score_samples(pool, period, candidate)
    measures = list(dict.fromkeys([*a, *b]))
    comparisons = [compare(m, KINDS.get(m, QUALITY), a.get(m, []), b.get(m, []), min_samples) for m in measures]
    decision = decide(comparisons, min_samples)
    return {"control": control, "candidate": candidate, "variants": variants, "min_samples": min_samples,
            "comparisons": [c.as_dict() for c in comparisons], "decision": asdict(decision)}
