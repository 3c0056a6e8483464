"""`ragbus cost-model`'s measurement against the real PostgreSQL: rejected billed calls are in the token totals,
only served rows are answers (generation), every billed call is a judge call. Rows of a tenant of its own."""

import asyncio
import uuid

import pytest

from libs.reporting.cost_model import measured_calls
from libs.stores.cost_ledger import JUDGE, CostEntry, PostgresCostLedger, utc_today
from libs.stores.postgres import open_pool
from libs.testing.support import TEST_DATABASE_URL

pytestmark = pytest.mark.integration
SONNET, HAIKU = "claude-sonnet-5-5", "claude-haiku-4-5"


def rows(tenant: str) -> list[CostEntry]:
    def entry(request_id, model, tokens_in, tokens_out, cost=0.001, **fields):
        return CostEntry(request_id, tenant, "default", model, "primary", tokens_in, tokens_out, cost, **fields)

    return [
        entry("r1", SONNET, 1000, 300, outcome="max_tokens"), entry("r1", SONNET, 1000, 200, attempt=2),  # cut, then served
        entry("r2", SONNET, 1200, 100),
        entry("r3", SONNET, 0, 0, cost=0, cache_hit=True, attempt=0),
        entry("r1", HAIKU, 400, 32, purpose=JUDGE, outcome="max_tokens"), entry("r1", HAIKU, 400, 20, purpose=JUDGE),
    ]


async def measure(tenant: str):
    pool = await open_pool(TEST_DATABASE_URL)
    try:
        await PostgresCostLedger(pool).record_all(rows(tenant))
        return {calls.purpose: calls for calls in await measured_calls(pool, utc_today(), [tenant])}
    finally:
        await pool.close()


def test_rejected_calls_count_in_the_tokens_not_as_answers():
    measured = asyncio.run(measure(f"t-{uuid.uuid4().hex[:10]}"))
    generation, judge = measured["generation"], measured[JUDGE]
    assert (generation.calls, generation.cache_hits, generation.rejected, generation.answers) == (4, 1, 1, 2)
    assert (generation.input_tokens, generation.output_tokens) == (3200 / 2, 600 / 2)  # per served answer
    assert (judge.calls, judge.rejected, judge.billed) == (2, 1, 2)
    assert (judge.input_tokens, judge.output_tokens) == (400, 26)  # per call: each repeat is one billed call
