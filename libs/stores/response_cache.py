"""The draft cache in PostgreSQL (`response_cache`): shared by generate's replicas and kept across restarts.

Rows are tenant-scoped (the tenant is part of the primary key as well as of the key's digest) and expire
`ttl_s` after they were written, by the database's clock. An expired row is never served; expired rows are
deleted at most every `purge_interval_s`, by the write that finds the purge due.
"""

import json
import time
from collections.abc import Callable
from typing import Generic, TypeVar

import asyncpg
import structlog

from libs.models.draft_cache import CacheKey
from libs.stores.postgres import write_span

Value = TypeVar("Value")
log = structlog.get_logger(__name__)


class PostgresDraftCache(Generic[Value]):
    def __init__(self, pool: asyncpg.Pool, ttl_s: float, encode: Callable[[Value], dict],
                 decode: Callable[[dict], Value], purge_interval_s: float = 300.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._pool = pool
        self._ttl_s = ttl_s
        self._encode, self._decode = encode, decode
        self._purge_interval_s = purge_interval_s
        self._clock = clock
        self._next_purge = clock()

    async def get(self, key: CacheKey) -> Value | None:
        value = await self._pool.fetchval(
            "SELECT value FROM response_cache WHERE tenant = $1 AND key_sha256 = $2 AND expires_at > now()",
            key.tenant, key.digest,
        )
        return None if value is None else self._decode(json.loads(value))

    async def put(self, key: CacheKey, value: Value) -> None:
        with write_span("INSERT", "response_cache"):
            await self._pool.execute(
                """INSERT INTO response_cache (tenant, key_sha256, prompt, model, value, expires_at)
                   VALUES ($1, $2, $3, $4, $5::jsonb, now() + make_interval(secs => $6))
                   ON CONFLICT (tenant, key_sha256) DO UPDATE
                   SET value = EXCLUDED.value, created_at = now(), expires_at = EXCLUDED.expires_at""",
                key.tenant, key.digest, key.prompt, key.model, json.dumps(self._encode(value), ensure_ascii=False),
                self._ttl_s,
            )
        if self._clock() >= self._next_purge:
            self._next_purge = self._clock() + self._purge_interval_s
            await self.purge_expired()

    async def purge_expired(self) -> int:
        with write_span("DELETE", "response_cache"):
            status = await self._pool.execute("DELETE FROM response_cache WHERE expires_at <= now()")
        deleted = int(status.split()[-1])
        if deleted:
            log.info("expired cached drafts deleted", rows=deleted)
        return deleted
