"""`build_report`: read the period from PostgreSQL, write the dashboard. What `ragbus report` runs."""

from pathlib import Path

import asyncpg

from libs.reporting.collect import ReportOptions, collect
from libs.reporting.period import Period
from libs.reporting.write import write_report


async def build_report(database_url: str, period: Period, out_dir: Path, options: ReportOptions) -> tuple[Path, dict]:
    """Reads only: no migrations are applied (an empty or older database gives an error, not a new schema)."""
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2)
    try:
        data = await collect(pool, period, options)
    finally:
        await pool.close()
    return write_report(data, out_dir), data
