"""The cost ledger: what each model call cost, and what a tenant's answers cost today (UTC).

Each row says what it paid for: `generation` counts against the tenant's daily budget; `judge` (scoring
answers for evaluation) is the operator's spend and does not (ADR 0009). A generation writes a row per model
call the API billed, with its `outcome`: `served` for the one whose reply became the draft, otherwise why it
was rejected (`max_tokens`, `malformed_response`); an answer served offline or from the draft cache gets one
`served` row costing 0. So every generation has exactly one `served` row, and an answer's cost is the sum of
its rows (ADR 0006, "every billed attempt in the ledger").
"""

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Protocol

import asyncpg
import structlog

GENERATION = "generation"
JUDGE = "judge"
SERVED = "served"
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
    cost_usd: float | Decimal  # Decimal when priced from a Billing: stored exactly (numeric(20, 12))
    cache_hit: bool = False
    day: date = field(default_factory=utc_today)
    purpose: str = GENERATION
    outcome: str = SERVED
    attempt: int = 1  # the model call's number within its generation (0: a cache hit, no call)
    cache_write_tokens: int = 0
    cache_read_tokens: int = 0

    def exact_cost(self) -> Decimal:
        return self.cost_usd if isinstance(self.cost_usd, Decimal) else Decimal(repr(self.cost_usd))


class CostLedger(Protocol):
    async def record(self, entry: CostEntry) -> None: ...

    async def record_all(self, entries: Iterable[CostEntry]) -> None: ...

    async def spent(self, tenant: str, day: date) -> float: ...


class PostgresCostLedger:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def record(self, entry: CostEntry) -> None:
        await self.record_all([entry])

    async def record_all(self, entries: Iterable[CostEntry]) -> None:
        """One generation's rows in one statement: all of them are written, or none."""
        await self._pool.executemany(
            """INSERT INTO cost_ledger (request_id, tenant, variant, model, rung, cache_hit, input_tokens,
                                        output_tokens, cost_usd, day, purpose, outcome, attempt,
                                        cache_write_tokens, cache_read_tokens)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)""",
            [(e.request_id, e.tenant, e.variant, e.model, e.rung, e.cache_hit, e.input_tokens, e.output_tokens,
              e.exact_cost(), e.day, e.purpose, e.outcome, e.attempt, e.cache_write_tokens, e.cache_read_tokens)
             for e in entries],
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

    async def record_all(self, entries: Iterable[CostEntry]) -> None:
        for entry in entries:
            await self.record(entry)

    async def spent(self, tenant: str, day: date) -> float:
        mine = (e for e in self.entries if e.tenant == tenant and e.day == day and e.purpose == GENERATION)
        return float(sum((e.exact_cost() for e in mine), Decimal(0)))


async def record_cost(entry: CostEntry, ledger: CostLedger | None, timeout_s: float = 0.5) -> None:
    await record_costs([entry], ledger, timeout_s)


async def record_costs(entries: Iterable[CostEntry], ledger: CostLedger | None, timeout_s: float = 0.5) -> None:
    """Bookkeeping, not the answer: rows written together (a generation's), or, when they cannot be, logged in
    full, and the caller goes on."""
    entries = list(entries)
    if ledger is None or not entries:
        return
    try:
        async with asyncio.timeout(timeout_s):
            await ledger.record_all(entries)
    except Exception as error:
        log.error("cost not recorded in the ledger", entries=[printable(e) for e in entries], error=repr(error)[:300])


def printable(entry: CostEntry) -> dict:
    return entry.__dict__ | {"day": str(entry.day), "cost_usd": str(entry.cost_usd)}
