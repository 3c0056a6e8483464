"""Answers by status, latency percentiles per stage, cache hits and fallback rungs, from the answers table.

Every figure counts answers completed in the period (`answers.completed_at`); latency is what each answer
carries (`stage_ms` per stage, `total_ms` end to end) as nearest-rank percentiles (`percentile_disc`).
"""

import asyncpg

from libs.reporting.period import Period
from libs.reporting.rows import DAY, IN_PERIOD, VARIANT, fetch_dicts, window_args

STATUSES = ("ok", "abstained", "blocked", "failed", "expired")
END_TO_END = "end_to_end"


async def answers_by_day(pool: asyncpg.Pool, period: Period) -> list[dict]:
    return await fetch_dicts(pool, f"""
        SELECT {DAY} AS day, {VARIANT} AS variant, status, count(*) AS answers
        FROM answers WHERE {IN_PERIOD} GROUP BY 1, 2, 3 ORDER BY 1, 2, 3""", *window_args(period))


def latency_sql(group_by_day: bool) -> str:
    day = f"{DAY} AS day, " if group_by_day else ""
    groups = "1, 2, 3" if group_by_day else "1, 2"
    return f"""
        WITH timings AS (
            SELECT completed_at, {VARIANT} AS variant, s.key AS stage, s.value::float8 AS ms
            FROM answers, jsonb_each_text(answer->'stage_ms') AS s WHERE {IN_PERIOD}
            UNION ALL
            SELECT completed_at, {VARIANT}, '{END_TO_END}', (answer->>'total_ms')::float8
            FROM answers WHERE {IN_PERIOD} AND (answer->>'total_ms')::float8 > 0)
        SELECT {day}variant, stage, count(*) AS n,
               percentile_disc(0.5) WITHIN GROUP (ORDER BY ms) AS p50_ms,
               percentile_disc(0.99) WITHIN GROUP (ORDER BY ms) AS p99_ms
        FROM timings GROUP BY {groups} ORDER BY {groups}"""


async def latency_by_variant(pool: asyncpg.Pool, period: Period) -> list[dict]:
    return await fetch_dicts(pool, latency_sql(group_by_day=False), *window_args(period))


async def latency_by_day(pool: asyncpg.Pool, period: Period) -> list[dict]:
    return await fetch_dicts(pool, latency_sql(group_by_day=True), *window_args(period))


async def cache_by_day(pool: asyncpg.Pool, period: Period) -> list[dict]:
    """Answers that reached the generator (they carry `generation`), and how many were served from its cache."""
    return await fetch_dicts(pool, f"""
        SELECT {DAY} AS day, {VARIANT} AS variant, count(*) AS drafts,
               count(*) FILTER (WHERE (answer->'generation'->>'cache_hit')::boolean) AS cache_hits
        FROM answers WHERE {IN_PERIOD} AND jsonb_typeof(answer->'generation') = 'object'
        GROUP BY 1, 2 ORDER BY 1, 2""", *window_args(period))


async def rungs(pool: asyncpg.Pool, period: Period) -> list[dict]:
    """Which fallback-ladder rung (and model) served each variant's drafts, and why a lower rung served."""
    return await fetch_dicts(pool, f"""
        SELECT {VARIANT} AS variant, answer->'generation'->>'rung' AS rung,
               coalesce(answer->'generation'->>'reason', '') AS reason, coalesce(answer->>'model', '') AS model,
               count(*) AS answers
        FROM answers WHERE {IN_PERIOD} AND jsonb_typeof(answer->'generation') = 'object'
        GROUP BY 1, 2, 3, 4 ORDER BY 1, 5 DESC, 2, 3, 4""", *window_args(period))


def status_totals(rows: list[dict]) -> dict[str, int]:
    """Answers per status over the period; every known status is present, unknown ones are kept."""
    totals = dict.fromkeys(STATUSES, 0)
    for row in rows:
        totals[row["status"]] = totals.get(row["status"], 0) + row["answers"]
    return totals
