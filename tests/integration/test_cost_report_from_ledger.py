"""`ragbus cost` against the real PostgreSQL: ledger rows of a tenant of its own, inserted here, read back per
answer, per tenant and per day, generation and judge apart, with the monthly projection."""

import asyncio
import json
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from typer.testing import CliRunner

from libs.client.cli import app
from libs.stores.cost_ledger import JUDGE, CostEntry, PostgresCostLedger, utc_today
from libs.stores.postgres import open_pool
from libs.testing.support import TEST_DATABASE_URL

pytestmark = pytest.mark.integration
TODAY = utc_today()
YESTERDAY = TODAY - timedelta(days=1)


def rows(tenant: str) -> list[CostEntry]:
    def entry(request_id, cost, day=TODAY, **fields):
        return CostEntry(request_id, tenant, "default", "claude-sonnet-5-5", "primary", 100, 10, cost, day=day, **fields)

    return [
        entry("r1", 0.004), entry("r1", 0.002),  # redelivered: generated and paid twice, one answer
        entry("r2", 0.0, cache_hit=True), entry("r3", 0.003, day=YESTERDAY),
        entry("r1", 0.01, purpose=JUDGE), entry("r3", 0.02, day=YESTERDAY, purpose=JUDGE),
        entry("old", 5.0, day=TODAY - timedelta(days=10)),  # outside --days 7
    ]


async def insert(tenant: str) -> None:
    await insert_entries(rows(tenant))


async def insert_entries(entries: list[CostEntry]) -> None:
    pool = await open_pool(TEST_DATABASE_URL)
    try:
        await PostgresCostLedger(pool).record_all(entries)
    finally:
        await pool.close()


def run_cost(*args: str) -> dict:
    result = CliRunner().invoke(app, ["cost", *args, "--json"], env={"DATABASE_URL": TEST_DATABASE_URL})
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_cost_per_answer_tenant_and_day_with_generation_and_judge_apart():
    tenant = f"t-{uuid.uuid4().hex[:10]}"
    asyncio.run(insert(tenant))
    data = run_cost("--tenant", tenant, "--days", "7", "--rate", "2")
    total = data["total"]
    assert (total["answers"], total["generation_entries"], total["cache_hits"]) == (3, 4, 1)
    assert total["generation_usd"] == pytest.approx(0.009) and total["judge_usd"] == pytest.approx(0.03)
    assert total["generation_per_answer_usd"] == pytest.approx(0.003) and total["cache_hit_rate"] == 0.25
    assert data["per_answer"]["p50_usd"] == pytest.approx(0.003) and data["per_answer"]["max_usd"] == pytest.approx(0.006)
    assert [(t["tenant"], t["answers"]) for t in data["per_tenant"]] == [(tenant, 3)]
    days = {d["day"]: d for d in data["per_day"]}
    assert set(days) == {TODAY.isoformat(), YESTERDAY.isoformat()}
    assert days[TODAY.isoformat()]["generation_usd"] == pytest.approx(0.006) and days[TODAY.isoformat()]["judge_usd"] == pytest.approx(0.01)
    month = data["projection"]
    assert month["requests_per_day"] == 2 * 86_400
    assert month["generation_usd"] == pytest.approx(0.003 * 172_800 * 30)
    assert month["judge_usd"] == pytest.approx(0.01 * 172_800 * 30)
    assert run_cost("--tenant", tenant, "--days", "30", "--per-day", "1000")["total"]["generation_usd"] == pytest.approx(5.009)


def test_a_billed_rejected_call_is_charged_to_its_answer_but_is_not_a_generation():
    tenant = f"t-{uuid.uuid4().hex[:10]}"

    def entry(request_id, cost, **fields):
        return CostEntry(request_id, tenant, "default", "claude-sonnet-5-5", "primary", 100, 10, Decimal(cost), **fields)

    asyncio.run(insert_entries([
        entry("r1", "0.0020001", outcome="max_tokens", attempt=1),  # billed, cut at max_tokens, rejected
        entry("r1", "0.0010002", attempt=2),  # the secondary's reply served it (rung left as primary: immaterial)
        entry("r2", "0", cache_hit=True, attempt=0),
    ]))
    data = run_cost("--tenant", tenant, "--days", "1", "--rate", "1")
    total = data["total"]
    assert (total["answers"], total["generation_entries"], total["cache_hits"], total["failed_attempts"]) == (2, 2, 1, 1)
    assert total["generation_usd"] == pytest.approx(0.0030003, abs=1e-12) and total["cache_hit_rate"] == 0.5
    assert total["failed_attempts_usd"] == pytest.approx(0.0020001, abs=1e-12)
    assert data["per_answer"]["max_usd"] == pytest.approx(0.0030003, abs=1e-12)  # r1 is charged both of its calls
    assert total["generation_per_answer_usd"] == pytest.approx(0.0030003 / 2, abs=1e-12)


def test_the_tables_print_and_an_unknown_tenant_has_nothing():
    result = CliRunner().invoke(app, ["cost", "--tenant", "nobody-" + uuid.uuid4().hex[:6], "--rate", "1"],
                                env={"DATABASE_URL": TEST_DATABASE_URL, "COLUMNS": "160"})
    assert result.exit_code == 0, result.output
    assert "0 answer(s)" in result.output and "Projected month" in result.output
