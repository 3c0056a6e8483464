"""Query results as JSON-ready dicts: dates as ISO strings, numerics as floats."""

from datetime import date, datetime
from decimal import Decimal

import asyncpg

from libs.reporting.period import Period


def plain(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


async def fetch_dicts(pool: asyncpg.Pool, sql: str, *args) -> list[dict]:
    return [{key: plain(value) for key, value in row.items()} for row in await pool.fetch(sql, *args)]


def window_args(period: Period) -> tuple:
    """$1 since, $2 until, $3 tenant (NULL: every tenant): the arguments every report query starts with."""
    return period.since, period.until, period.tenant


IN_PERIOD = "completed_at >= $1 AND completed_at < $2 AND ($3::text IS NULL OR tenant = $3)"
DAY = "(completed_at AT TIME ZONE 'UTC')::date"
VARIANT = "coalesce(answer->>'variant', 'default')"
