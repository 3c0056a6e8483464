"""A machine without PostgreSQL gets an embedded one: it starts, takes the migrations and stops by PID."""

import asyncpg
import pytest

from libs.devstack.postgres import embedded_process, reachable, start_embedded
from libs.stores.postgres import migrate

pytestmark = pytest.mark.integration


def test_an_unreachable_tcp_database_is_detected():
    assert not reachable("postgresql://postgres@127.0.0.1:1/test")
    assert reachable("postgresql://postgres@/postgres?host=/tmp/somewhere")


async def test_embedded_postgres_takes_the_migrations_and_stops(tmp_path):
    dsn = start_embedded(tmp_path)
    process = embedded_process(tmp_path)
    try:
        connection = await asyncpg.connect(dsn)
        try:
            applied = await migrate(connection)
            tables = {r["tablename"] for r in await connection.fetch("SELECT tablename FROM pg_tables")}
        finally:
            await connection.close()
        assert applied and {"requests", "answers", "eval_scores"} <= tables
        assert process.running()
    finally:
        process.stop()
    assert not process.running()
