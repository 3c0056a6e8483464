"""Per-tenant daily budgets read from the cost ledger (rows are written by `libs.stores.cost_ledger.record_cost`).

The ledger is bookkeeping, not the answer: when it cannot be read the model may still serve (logged),
and when a row cannot be written the answer is still published (the row is in the error log).
"""

import asyncio
from dataclasses import dataclass, field

import structlog

from libs.stores.cost_ledger import CostLedger, utc_today

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class TenantBudgets:
    default_usd: float | None = None  # None: no daily limit
    per_tenant_usd: dict[str, float] = field(default_factory=dict)
    lookup_timeout_s: float = 0.5

    def limit_for(self, tenant: str) -> float | None:
        return self.per_tenant_usd.get(tenant, self.default_usd)


async def over_budget(tenant: str, budgets: TenantBudgets, ledger: CostLedger | None) -> bool:
    limit = budgets.limit_for(tenant)
    if limit is None or ledger is None:
        return False
    try:
        async with asyncio.timeout(budgets.lookup_timeout_s):
            spent = await ledger.spent(tenant, utc_today())
    except Exception as error:
        log.error("tenant spend unknown, budget not enforced for this request", error=repr(error)[:300])
        return False
    if spent >= limit:
        log.warning("tenant over its daily budget, answering offline", spent_usd=round(spent, 6), budget_usd=limit)
        return True
    return False
