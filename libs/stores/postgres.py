"""PostgreSQL access through asyncpg: versioned migrations, the pool every store uses, a span per write."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import resources

import asyncpg
import structlog
from opentelemetry.semconv.attributes import db_attributes as db
from opentelemetry.semconv.attributes.error_attributes import ERROR_TYPE
from opentelemetry.trace import Span, SpanKind, Status, StatusCode

from libs.platform.telemetry import tracer

log = structlog.get_logger(__name__)
MIGRATION_LOCK = 7_262_847  # any constant: serialises concurrent migrators across services


@contextmanager
def write_span(operation: str, table: str, batch_size: int | None = None) -> Iterator[Span]:
    """A client span around one write, named and described after the OpenTelemetry database conventions
    ("INSERT answers"). Neither the parameters nor the error message are recorded: both can hold a question,
    an answer or an e-mail address (asyncpg quotes the offending value in some messages); the error's type is.
    """
    summary = f"{operation} {table}"
    described = {db.DB_SYSTEM_NAME: db.DbSystemNameValues.POSTGRESQL.value, db.DB_OPERATION_NAME: operation,
                 db.DB_COLLECTION_NAME: table, db.DB_QUERY_SUMMARY: summary}
    if batch_size is not None:
        described[db.DB_OPERATION_BATCH_SIZE] = batch_size
    with tracer().start_as_current_span(summary, kind=SpanKind.CLIENT, attributes=described,
                                        record_exception=False, set_status_on_exception=False) as span:
        try:
            yield span
        except Exception as error:
            span.set_attribute(ERROR_TYPE, type(error).__qualname__)
            span.set_status(Status(StatusCode.ERROR, type(error).__qualname__))
            raise


def migration_files() -> list[tuple[str, str]]:
    folder = resources.files("libs.stores") / "migrations"
    files = sorted(f for f in folder.iterdir() if f.name.endswith(".sql"))
    return [(f.name.removesuffix(".sql"), f.read_text(encoding="utf-8")) for f in files]


async def migrate(connection: asyncpg.Connection) -> list[str]:
    """Apply the migrations not yet recorded, in order, each in its own transaction. Returns those applied."""
    await connection.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK)
    try:
        await connection.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version text PRIMARY KEY, applied_at timestamptz DEFAULT now())"
        )
        done = {r["version"] for r in await connection.fetch("SELECT version FROM schema_migrations")}
        applied = []
        for version, sql in migration_files():
            if version in done:
                continue
            async with connection.transaction():
                await connection.execute(sql)
                await connection.execute("INSERT INTO schema_migrations (version) VALUES ($1)", version)
            applied.append(version)
            log.info("migration applied", version=version)
        return applied
    finally:
        await connection.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK)


async def open_pool(dsn: str) -> asyncpg.Pool:
    pool = await asyncpg.create_pool(dsn, min_size=1, max_size=5)
    async with pool.acquire() as connection:
        await migrate(connection)
    return pool


class DatabaseLifecycle:
    """Opens the pool (migrating first) when the service starts and closes it after the broker stopped."""

    def __init__(self, dsn: str, on_open: Callable[[asyncpg.Pool], None]) -> None:
        self._dsn = dsn
        self._on_open = on_open
        self._pool: asyncpg.Pool | None = None

    async def open(self) -> None:
        self._pool = await open_pool(self._dsn)
        self._on_open(self._pool)

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
