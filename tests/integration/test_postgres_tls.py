"""PostgreSQL over TLS, as DATABASE_URL asks for it: the services' pool opens and migrates over TLS, the
server's certificate is checked against the CA given, and a client that would go without TLS is refused."""

import asyncpg
import pytest

from libs.stores.postgres import open_pool
from libs.testing.tls_postgres import server_binaries, tls_only_server, write_ca

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def server():
    binaries = server_binaries()
    if binaries is None:
        pytest.skip("no PostgreSQL server binaries with TLS (Debian's postgresql package) on this machine")
    with tls_only_server(binaries) as running:
        yield running


async def test_the_services_pool_migrates_over_a_verified_tls_connection(server):
    pool = await open_pool(server.dsn("verify-full"))
    try:
        async with pool.acquire() as connection:
            encrypted = await connection.fetchval("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
            tables = {row["tablename"] for row in await connection.fetch("SELECT tablename FROM pg_tables")}
    finally:
        await pool.close()
    assert encrypted is True
    assert {"requests", "answers", "cost_ledger", "dead_letters"} <= tables


async def test_a_connection_without_tls_is_refused(server):
    with pytest.raises(asyncpg.InvalidAuthorizationSpecificationError, match="no encryption"):
        await asyncpg.connect(server.dsn("disable"))


async def test_a_certificate_from_another_ca_fails_verification(server, tmp_path):
    other_ca, _ = write_ca(tmp_path, "someone-else")
    with pytest.raises(Exception, match="certificate verify failed"):
        await asyncpg.connect(server.dsn("verify-full", ca_file=other_ca))
