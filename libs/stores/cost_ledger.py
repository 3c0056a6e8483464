"""The cost ledger: what each generated draft cost, and what a tenant spent today (UTC)."""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Protocol

import asyncpg


def utc_today() -> date:
    return datetime.now(UTC).date()


@dataclass(frozen=True)
class CostEntry:
    request_id: str
    tenant: str
    variant: str
    model: str
    rung: str
    input_tokens: int
    output_tokens: int
    cost_usd: float
    cache_hit: bool = False
    day: date = field(default_factory=utc_today)


class CostLedger(Protocol):
    async def record(self, entry: CostEntry) -> None: ...

    async def spent(self, tenant: str, day: date) -> float: ...


class PostgresCostLedger:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def record(self, entry: CostEntry) -> None:
        await self._pool.execute(
            """INSERT INTO cost_ledger (request_id, tenant, variant, model, rung, cache_hit, input_tokens,
                                        output_tokens, cost_usd, day)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)""",
            entry.request_id, entry.tenant, entry.variant, entry.model, entry.rung, entry.cache_hit,
            entry.input_tokens, entry.output_tokens, entry.cost_usd, entry.day,
        )

    async def spent(self, tenant: str, day: date) -> float:
        total = await self._pool.fetchval(
            "SELECT coalesce(sum(cost_usd), 0) FROM cost_ledger WHERE tenant = $1 AND day = $2", tenant, day
        )
        return float(total)


class InMemoryCostLedger:
    """The same contract in a list: for benchmarks and for tests of code that only needs a ledger."""

    def __init__(self) -> None:
        self.entries: list[CostEntry] = []

    async def record(self, entry: CostEntry) -> None:
        self.entries.append(entry)

    async def spent(self, tenant: str, day: date) -> float:
        return sum(e.cost_usd for e in self.entries if e.tenant == tenant and e.day == day)
