"""Online evaluation in the period: daily means per metric and variant, the baseline band, drift alerts,
and how far people agree with the judge.

Baseline band: per (variant, metric, judge), the mean of the measured scores in the `reference_days` before
the period, ± the drift threshold (EVAL_DRIFT_MAX_DROP, the drop the evaluator alerts on). A daily mean
outside the band moved more than the evaluator tolerates. No band without enough scores before the period.
"""

from dataclasses import dataclass
from datetime import timedelta

import asyncpg

from libs.evaluation.human_labels import LabelledScore, agreement, faithfulness_pairs
from libs.reporting.period import Period
from libs.reporting.rows import fetch_dicts, window_args

MIN_BASELINE_SCORES = 10
SCORES_IN_PERIOD = "scored_at >= $1 AND scored_at < $2 AND ($3::text IS NULL OR tenant = $3)"


@dataclass(frozen=True)
class BandPolicy:
    reference_days: int = 7
    max_drop: float = 0.15


async def daily_scores(pool: asyncpg.Pool, period: Period) -> list[dict]:
    return await fetch_dicts(pool, f"""
        SELECT (scored_at AT TIME ZONE 'UTC')::date AS day, variant, metric, judge,
               count(*) AS scores, count(value) AS measured, avg(value) AS mean
        FROM eval_scores WHERE {SCORES_IN_PERIOD} GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4""", *window_args(period))


async def bands(pool: asyncpg.Pool, period: Period, policy: BandPolicy) -> list[dict]:
    rows = await fetch_dicts(pool, """
        SELECT variant, metric, judge, count(*) AS measured, avg(value) AS baseline_mean
        FROM eval_scores
        WHERE scored_at >= $1 AND scored_at < $2 AND ($3::text IS NULL OR tenant = $3) AND value IS NOT NULL
        GROUP BY 1, 2, 3 ORDER BY 1, 2, 3""",
        period.since - timedelta(days=policy.reference_days), period.since, period.tenant)
    return [band(row, policy.max_drop) for row in rows if row["measured"] >= MIN_BASELINE_SCORES]


def band(row: dict, max_drop: float) -> dict:
    mean = row["baseline_mean"]
    return row | {"low": max(0.0, mean - max_drop), "high": min(1.0, mean + max_drop)}


async def drift_alerts(pool: asyncpg.Pool, period: Period, variants: list[str]) -> list[dict]:
    """Alerts open at any time during the period, for the variants in the report (drift is per variant,
    across tenants: with a tenant filter, its variants' alerts are shown)."""
    return await fetch_dicts(pool, """
        SELECT alert_id, metric, variant, judge, baseline_mean, recent_mean, request_id, tenant, opened_at, closed_at
        FROM drift_alerts
        WHERE opened_at < $2 AND (closed_at IS NULL OR closed_at >= $1) AND variant = ANY($3::text[])
        ORDER BY opened_at""", period.since, period.until, variants)


async def human_agreement(pool: asyncpg.Pool, period: Period, judge: str) -> dict:
    """Faithfulness: judge (score ≥ 0.5) against people, over labelled answers completed in the period."""
    rows = await pool.fetch("""
        SELECT l.label_faithful, s.value
        FROM human_labels l JOIN answers a USING (request_id)
        LEFT JOIN eval_scores s ON s.request_id = l.request_id AND s.metric = 'faithfulness' AND s.judge = $4
        WHERE a.completed_at >= $1 AND a.completed_at < $2 AND ($3::text IS NULL OR a.tenant = $3)""",
        *window_args(period), judge)
    labelled = [LabelledScore(human=row["label_faithful"], judge_score=row["value"]) for row in rows]
    result = agreement(faithfulness_pairs(labelled))
    return {"judge": judge, "labels": len(labelled), "compared": result.n, "unscored": len(labelled) - result.n,
            "percent": result.percent, "kappa": result.kappa}
