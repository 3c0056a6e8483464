"""Dead letters by reason and UTC day, from the `dead_letters` table evaluate fills from ops.dead-lettered.v1.

A dead letter counts on the day it was dead-lettered (`dead_lettered_at`). With a tenant, only dead letters
whose original message carried that tenant count: a message too broken to name its tenant is in no tenant's
report, only in the all-tenants one.
"""

import asyncpg

from libs.reporting.period import Period
from libs.reporting.rows import fetch_dicts, window_args

IN_PERIOD = "dead_lettered_at >= $1 AND dead_lettered_at < $2 AND ($3::text IS NULL OR tenant = $3)"
DAY = "(dead_lettered_at AT TIME ZONE 'UTC')::date"
NOTE = ("Messages a stage could not process, counted on the UTC day they were dead-lettered, as evaluate recorded "
        "them from ops.dead-lettered.v1 (no payload or error text is stored: the topic keeps the original bytes). "
        "With a tenant, only those whose message named it. Replay and diagnosis: runbooks/dead-letters.md.")


async def by_day(pool: asyncpg.Pool, period: Period) -> list[dict]:
    return await fetch_dicts(pool, f"""
        SELECT {DAY} AS day, reason, consumer_group, source_topic, count(*) AS dead_letters
        FROM dead_letters WHERE {IN_PERIOD} GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4""", *window_args(period))


def reason_totals(rows: list[dict]) -> dict[str, int]:
    """Dead letters per reason over the period, most frequent first."""
    totals: dict[str, int] = {}
    for row in rows:
        totals[row["reason"]] = totals.get(row["reason"], 0) + row["dead_letters"]
    return dict(sorted(totals.items(), key=lambda item: (-item[1], item[0])))


async def dead_letters(pool: asyncpg.Pool, period: Period) -> dict:
    rows = await by_day(pool, period)
    by_reason = reason_totals(rows)
    return {"total": sum(by_reason.values()), "by_reason": by_reason, "by_day": rows, "note": NOTE}
