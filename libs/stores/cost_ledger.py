"""The cost ledger: what each model call cost, and what a tenant's answers cost today (UTC).

Each row says what it paid for: `generation` counts against the tenant's daily budget; `judge` (scoring
answers for evaluation) is the operator's spend and does not (ADR 0009).
"""

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Protocol

import asyncpg
import structlog

GENERATION = "generation"
JUDGE = "judge"
log = structlog.get_logger(__name__)


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
    purpose: str = GENERATION


class CostLedger(Protocol):
    async def record(self, entry: CostEntry) -> None: ...

    async def spent(self, tenant: str, day: date) -> float: ...


class PostgresCostLedger:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def record(self, entry: CostEntry) -> None:
        await self._pool.execute(
            """INSERT INTO cost_ledger (request_id, tenant, variant, model, rung, cache_hit, input_tokens,
                                        output_tokens, cost_usd, day, purpose)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)""",
            entry.request_id, entry.tenant, entry.variant, entry.model, entry.rung, entry.cache_hit,
            entry.input_tokens, entry.output_tokens, entry.cost_usd, entry.day, entry.purpose,
        )

    async def spent(self, tenant: str, day: date) -> float:
        total = await self._pool.fetchval(
            "SELECT coalesce(sum(cost_usd), 0) FROM cost_ledger WHERE tenant = $1 AND day = $2 AND purpose = $3",
            tenant, day, GENERATION,
        )
        return float(total)


class InMemoryCostLedger:
    """The same contract in a list: for benchmarks and for tests of code that only needs a ledger."""

    def __init__(self) -> None:
        self.entries: list[CostEntry] = []

    async def record(self, entry: CostEntry) -> None:
        self.entries.append(entry)

    async def spent(self, tenant: str, day: date) -> float:
        return sum(e.cost_usd for e in self.entries if e.tenant == tenant and e.day == day and e.purpose == GENERATION)


async def record_cost(entry: CostEntry, ledger: CostLedger | None, timeout_s: float = 0.5) -> None:
    """Bookkeeping, not the answer: a row that cannot be written is logged in full, and the caller goes on."""
    if ledger is None:
        return
    try:
        async with asyncio.timeout(timeout_s):
            await ledger.record(entry)
    except Exception as error:
        log.error("cost not recorded in the ledger", entry=entry.__dict__ | {"day": str(entry.day)}, error=repr(error)[:300])
