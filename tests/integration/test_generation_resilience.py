"""Generation under a misbehaving model API, end to end: the real stack with generate pointed at the fake
Anthropic server (30% mixed faults), and the cost ledger in the real PostgreSQL."""

import asyncio
import os
from datetime import timedelta
from decimal import Decimal

import pytest

from libs.client.rag_client import RagClient
from libs.contracts.documents import SubmitDocument
from libs.contracts.envelope import new_id
from libs.models.model_catalogue import PRICES_PER_MTOK
from libs.stores.cost_ledger import CostEntry, PostgresCostLedger, utc_today
from libs.stores.postgres import open_pool
from libs.testing.fake_anthropic import FakeAnthropic
from libs.testing.fake_faults import Fault, mixed_faults
from libs.testing.generation import PRIMARY, SECONDARY, chunk, context_for, model_settings
from services.generate import service
from services.generate.settings import GenerateSettings
from services.generate.wiring import build_deps

pytestmark = pytest.mark.integration

DATABASE_URL = os.environ.get("RAGBUS_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
HANDBOOK = (
    "# Handbook\n\nThe hotel cap for staff travel is 180 EUR per night.\n\n"
    "The RW-200 reaction wheel weighs 1.2 kg.\n\nParental leave lasts 16 weeks at full pay.\n\n"
    "Laptops are replaced every four years.\n\nThe office opens at 8 am on weekdays.\n\n"
    "Expense reports are due within 30 days of the trip."
)
QUESTIONS = {
    "What is the hotel cap per night for staff travel?": "180 EUR",
    "How much does the RW-200 reaction wheel weigh?": "1.2 kg",
    "How long does parental leave last?": "16 weeks",
    "How often are laptops replaced?": "four years",
    "When does the office open on weekdays?": "8 am",
    "When are expense reports due after the trip?": "30 days",
}
HANDBOOK_CHUNKS = [chunk(f"handbook#{n}", text) for n, text in enumerate(HANDBOOK.split("\n\n")[1:], start=1)]


@pytest.fixture
async def ledger_pool():
    pool = await open_pool(DATABASE_URL)
    yield pool
    await pool.close()


async def ask_all(stack, tenant: str) -> list:
    async with RagClient(stack.config.bootstrap_servers) as rag:
        doc = SubmitDocument(request_id=new_id(), tenant=tenant, document_id="handbook", text=HANDBOOK, source="handbook.md")
        await rag.ingest(doc, timeout_s=60)
        asks = [rag.ask(q, tenant, timeout_s=30, variant=v) for q in QUESTIONS for v in ("default", "concise")]
        return await asyncio.gather(*asks)


async def test_answers_survive_a_model_api_failing_30_percent_of_calls(stack, tenant, ledger_pool):
    with FakeAnthropic(seed=11) as fake:
        for fault in mixed_faults(0.3, retry_after_s=0.2, delay_s=0.5):
            fake.inject(fault)
        env = {"ANTHROPIC_API_KEY": "test-key", "ANTHROPIC_BASE_URL": fake.base_url, "RETRY_INITIAL_BACKOFF_S": "0.05",
               "BREAKER_RESET_TIMEOUT_S": "1"}
        try:
            await asyncio.to_thread(stack.restart_service, "generate", env)
            answers = await ask_all(stack, tenant)
        finally:
            await asyncio.to_thread(stack.restart_service, "generate")
        outcomes = fake.stats()["outcomes"]
    print("fake outcomes", outcomes, "rungs", sorted((a.generation.rung, a.generation.reason) for a in answers))

    assert sum(n for kind, n in outcomes.items() if kind != "ok") > 0, outcomes  # the faults did happen
    for answer in answers:
        assert answer.status == "ok", (answer.question, answer.status, answer.reason, answer.generation)
        assert QUESTIONS[answer.question] in answer.answer
        assert answer.generation.rung in {"primary", "secondary", "offline"}
    assert any(a.generation.rung != "offline" for a in answers)  # the model did serve through the faults
    assert sum(a.generation.attempts for a in answers) > len(answers)  # ...after retries
    rows = await ledger_pool.fetch("SELECT request_id, rung, outcome, cost_usd FROM cost_ledger WHERE tenant = $1", tenant)
    served = {(r["request_id"], r["rung"]) for r in rows if r["outcome"] == "served"}
    assert served == {(a.request_id, a.generation.rung) for a in answers}
    assert sum(float(r["cost_usd"]) for r in rows) == pytest.approx(sum(a.cost_usd for a in answers), abs=1e-9)


async def test_the_postgres_ledger_counts_todays_spend_and_the_budget_sends_the_tenant_offline(tenant, ledger_pool):
    ledger = PostgresCostLedger(ledger_pool)
    await ledger.record(CostEntry("earlier", tenant, "default", PRIMARY, "primary", 100_000, 10_000, 0.45))
    await ledger.record(CostEntry("old", tenant, "default", PRIMARY, "primary", 1, 1, 9.0, day=utc_today() - timedelta(days=1)))
    assert await ledger.spent(tenant, utc_today()) == pytest.approx(0.45)
    assert await ledger.spent(f"{tenant}-other", utc_today()) == 0.0
    with FakeAnthropic() as fake:
        deps = build_deps(GenerateSettings(**model_settings(fake.base_url, tenant_daily_budget_usd=0.5)))
        deps.ledger = ledger
        under = await service.generate(context_for("What is the hotel cap per night?", tenant=tenant), deps)
        await ledger.record(CostEntry("big", tenant, "default", PRIMARY, "primary", 10_000, 1_000, 0.1))
        over = await service.generate(context_for("How much does the RW-200 weigh?", tenant=tenant), deps)
    assert under.info.rung == "primary" and (over.info.rung, over.info.reason) == ("offline", "budget_exceeded")
    rows = await ledger_pool.fetch(
        "SELECT rung, model, input_tokens, cost_usd FROM cost_ledger WHERE tenant = $1 AND day = $2 ORDER BY entry_id",
        tenant, utc_today(),
    )
    assert [(r["rung"], r["model"]) for r in rows] == [
        ("primary", PRIMARY), ("primary", PRIMARY), ("primary", PRIMARY), ("offline", "offline-extractive-v1")]
    assert rows[1]["input_tokens"] == under.draft.usage.input_tokens
    assert float(rows[1]["cost_usd"]) == pytest.approx(under.draft.cost_usd, abs=1e-6)
    assert float(rows[3]["cost_usd"]) == 0.0


def priced_usage(usage: dict[str, dict[str, int]]) -> Decimal:
    """What the fake server billed, at the price table: Σ per model and usage field of tokens × USD/MTok / 10⁶."""
    fields = {"input_tokens": "input", "output_tokens": "output", "cache_creation_input_tokens": "cache_write",
              "cache_read_input_tokens": "cache_read"}
    return sum((Decimal(repr(getattr(PRICES_PER_MTOK[model], rate))) * totals[name]
                for model, totals in usage.items() for name, rate in fields.items()), Decimal(0)) / 1_000_000


async def test_the_ledger_equals_the_fake_servers_reported_usage_times_the_prices_exactly(tenant, ledger_pool):
    """Retries, billed rejected calls (cut at max_tokens), an off-format reply, unbillable failures, prompt-cache
    writes and reads and draft-cache hits, all against the real PostgreSQL ledger."""
    ledger = PostgresCostLedger(ledger_pool)
    questions = list(QUESTIONS)
    with FakeAnthropic(prompt_cache=True) as fake:
        for fault in (Fault("rate_limit", count=2, retry_after_s=0, model=PRIMARY), Fault("malformed", count=1, model=PRIMARY),
                      Fault("off_format", count=1, model=PRIMARY), Fault("overloaded", count=1, model=SECONDARY),
                      Fault("server_error", count=1, model=SECONDARY)):
            fake.inject(fault)
        settings = model_settings(fake.base_url, breaker_fail_max=10)  # every rung gets its calls in
        healthy = build_deps(GenerateSettings(**settings))
        short = build_deps(GenerateSettings(**settings | {"max_output_tokens": 16, "anthropic_thinking_tokens": 8}))
        answers = []
        for deps in (healthy, short):
            deps.ledger = ledger
            for question in [*questions, questions[0]]:  # the repeat is a draft-cache hit
                answers.append(await service.generate(context_for(question, HANDBOOK_CHUNKS, tenant=tenant), deps))
        usage = fake.usage()

    rows = await ledger_pool.fetch("SELECT * FROM cost_ledger WHERE tenant = $1 ORDER BY entry_id", tenant)
    ledger_total = await ledger_pool.fetchval("SELECT sum(cost_usd) FROM cost_ledger WHERE tenant = $1", tenant)
    print("fake usage", usage, "outcomes", sorted({(r["model"], r["outcome"]) for r in rows}))
    assert ledger_total == priced_usage(usage)  # Decimal == Decimal: to the last digit
    for model, totals in usage.items():
        mine = [r for r in rows if r["model"] == model]
        assert sum(r["input_tokens"] for r in mine) == totals["input_tokens"]
        assert sum(r["output_tokens"] for r in mine) == totals["output_tokens"]
        assert sum(r["cache_write_tokens"] for r in mine) == totals["cache_creation_input_tokens"] > 0
        assert sum(r["cache_read_tokens"] for r in mine) == totals["cache_read_input_tokens"] > 0
        assert len([r for r in mine if r["cost_usd"] > 0]) == totals["messages"]
    outcomes = {(r["model"], r["outcome"]) for r in rows}
    assert {(PRIMARY, "served"), (SECONDARY, "served"), (PRIMARY, "max_tokens")} <= outcomes  # billed rejected calls too
    assert any(a.draft.answer.startswith("I would rate") for a in answers)  # the off-format reply, billed and served
    assert any(a.info.attempts > 1 for a in answers)  # ...and retries were in the mix, each billed once
    assert sum(1 for r in rows if r["outcome"] == "served") == len(answers)  # one served row per generation
    assert sum(1 for a in answers if a.info.cache_hit) == 2
    for answer in answers:  # each answer is charged exactly its rows
        own = sum((r["cost_usd"] for r in rows if r["request_id"] == answer.costs[0].request_id), Decimal(0))
        assert answer.draft.cost_usd == float(own)
