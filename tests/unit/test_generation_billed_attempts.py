"""Every model call the API billed is in the cost ledger and has its own span (ADR 0006, "every billed attempt
in the ledger"): the real `anthropic` SDK against the fake server, the ledger in memory, spans in memory."""

from decimal import Decimal

import anthropic
import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from libs.models.billing import Billing, bill
from libs.models.model_catalogue import PRICES_PER_MTOK, Price, model_price, priced
from libs.stores.cost_ledger import InMemoryCostLedger
from libs.testing.fake_anthropic import FakeAnthropic
from libs.testing.fake_faults import Fault
from libs.testing.generation import PRIMARY, SECONDARY, chunk, context_for, model_settings, sample_chunks
from services.generate import service
from services.generate.settings import GenerateSettings
from services.generate.wiring import build_deps

pytestmark = pytest.mark.usefixtures("no_faults")  # conftest: the shared fake answers normally

QUESTION = "What is the hotel cap per night?"
THINKING_RUNS_OUT = {"max_output_tokens": 16, "anthropic_thinking_tokens": 8}  # the primary's thinking is longer


def deps_for(fake: FakeAnthropic, ledger=None, **overrides):
    deps = build_deps(GenerateSettings(**model_settings(fake.base_url, **overrides)))
    deps.ledger = ledger
    return deps


def price(model: str) -> Price:
    return PRICES_PER_MTOK[model]


def test_the_price_table_prices_cache_writes_and_reads_exactly():
    usage = anthropic.types.Usage(input_tokens=193, output_tokens=78, cache_creation_input_tokens=1000,
                                  cache_read_input_tokens=7)
    billed = bill(PRIMARY, usage, price(PRIMARY))  # 2 / 10, writes 2.5, reads 0.10 USD per MTok
    assert billed == Billing(PRIMARY, 193, 78, 1000, 7, Decimal("0.0036667"))  # 386 + 780 + 2500 + 0.7 micro-USD
    assert bill(PRIMARY, anthropic.types.Usage(input_tokens=10, output_tokens=1), price(PRIMARY)).cost_usd == Decimal(
        "0.00003")  # no cache fields reported: none priced
    assert all(p.cache_write > p.input > p.cache_read > 0 for p in PRICES_PER_MTOK.values())


def test_a_price_from_settings_takes_two_or_four_numbers():
    assert model_price("claude-x", {"claude-x": (4, 20)}) == priced(4, 20) == Price(4, 20, 5.0, 0.4)
    assert model_price("claude-x", {"claude-x": (4, 20, 6, 0.2)}) == Price(4, 20, 6, 0.2)
    settings = GenerateSettings(**model_settings("http://127.0.0.1:1"), model_prices_usd_per_mtok={"claude-x": [4, 20, 6, 0.2]})
    assert model_price("claude-x", settings.model_prices_usd_per_mtok) == Price(4, 20, 6, 0.2)
    with pytest.raises(ValueError, match="2 or 4 numbers"):
        model_price("claude-x", {"claude-x": (4, 20, 6)})


async def test_the_fake_server_totals_the_usage_it_reported_per_model():
    client_kwargs = {"api_key": "test-key", "max_retries": 0}
    request = {"system": "Answer briefly.", "messages": [{"role": "user", "content": "Question: What is the cap?"}]}
    with FakeAnthropic() as fake:
        client = anthropic.AsyncAnthropic(base_url=fake.base_url, **client_kwargs)
        fake.inject(Fault(kind="rate_limit", count=1, retry_after_s=0))  # an error: no usage
        fake.inject(Fault(kind="malformed", count=1))  # a body cut short: no usage readable
        seen = []
        for model, max_tokens in ((SECONDARY, 64), (SECONDARY, 64), (SECONDARY, 64), (SECONDARY, 2), (PRIMARY, 600)):
            try:
                seen.append((model, (await client.messages.create(model=model, max_tokens=max_tokens, **request)).usage))
            except (anthropic.RateLimitError, ValueError):
                pass
        totals = fake.usage()
    assert len(seen) == 3  # one answered, one cut at max_tokens (billed all the same), one from the primary
    for model in (SECONDARY, PRIMARY):
        mine = [usage for m, usage in seen if m == model]
        assert totals[model] == {"input_tokens": sum(u.input_tokens for u in mine),
                                 "output_tokens": sum(u.output_tokens for u in mine),
                                 "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0, "messages": len(mine)}


async def test_the_fake_server_can_report_the_system_prompt_as_a_cached_prefix():
    with FakeAnthropic(prompt_cache=True) as fake:
        deps = deps_for(fake, anthropic_thinking_tokens=0)
        first = await service.generate(context_for(QUESTION), deps)
        second = await service.generate(context_for("How much does the RW-200 weigh?"), deps)
        totals = fake.usage()[PRIMARY]
    written, read = first.costs[0], second.costs[0]
    assert written.cache_write_tokens > 0 and written.cache_read_tokens == 0
    assert read.cache_read_tokens == written.cache_write_tokens and read.cache_write_tokens == 0
    assert totals["cache_creation_input_tokens"] == written.cache_write_tokens
    assert totals["cache_read_input_tokens"] == read.cache_read_tokens
    p = price(PRIMARY)
    expected = sum(Decimal(repr(rate)) * totals[name] for rate, name in (
        (p.input, "input_tokens"), (p.output, "output_tokens"), (p.cache_write, "cache_creation_input_tokens"),
        (p.cache_read, "cache_read_input_tokens"))) / 1_000_000
    assert written.exact_cost() + read.exact_cost() == expected


async def test_a_reply_cut_at_max_tokens_is_billed_in_the_ledger_and_charged_to_the_answer(fake):
    ledger = InMemoryCostLedger()
    generated = await service.generate(context_for(QUESTION), deps_for(fake, ledger, **THINKING_RUNS_OUT))
    assert (generated.info.rung, generated.info.reason, generated.info.attempts) == ("secondary", "primary:max_tokens", 2)
    rows = [(e.model, e.rung, e.outcome, e.attempt, e.cost_usd > 0) for e in ledger.entries]
    assert rows == [(PRIMARY, "primary", "max_tokens", 1, True), (SECONDARY, "secondary", "served", 2, True)]
    assert generated.draft.cost_usd == float(sum(e.exact_cost() for e in ledger.entries))
    assert generated.draft.usage.output_tokens == sum(e.output_tokens for e in ledger.entries)
    assert generated.draft.model == SECONDARY and list(generated.costs) == ledger.entries


async def test_an_offline_answer_after_billed_failures_is_charged_for_them(fake):
    ledger = InMemoryCostLedger()
    deps = deps_for(fake, ledger, max_output_tokens=16, anthropic_thinking_tokens=8, anthropic_max_retries=0)
    fake.inject(Fault(kind="overloaded", count=1, model=SECONDARY))  # not billed: no row
    generated = await service.generate(context_for(QUESTION), deps)
    assert (generated.info.rung, generated.info.reason) == ("offline", "primary:max_tokens; secondary:overloaded")
    rows = [(e.model, e.outcome, e.attempt) for e in ledger.entries]
    assert rows == [(PRIMARY, "max_tokens", 1), ("offline-extractive-v1", "served", 3)]
    assert ledger.entries[1].cost_usd == 0 and generated.draft.cost_usd == float(ledger.entries[0].cost_usd) > 0


async def test_a_cache_hit_is_one_served_row_costing_nothing(fake):
    ledger, deps = InMemoryCostLedger(), deps_for(fake)
    await service.generate(context_for(QUESTION), deps)
    deps.ledger = ledger
    hit = await service.generate(context_for(QUESTION), deps)
    assert [(e.outcome, e.attempt, e.cache_hit, e.cost_usd) for e in ledger.entries] == [("served", 0, True, 0.0)]
    assert hit.draft.cost_usd == 0.0 and hit.billed == ()


async def test_each_model_attempt_is_a_child_span_of_the_generate_span_with_gen_ai_attributes(fake):
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    deps = deps_for(fake, **THINKING_RUNS_OUT)
    deps.tracer = provider.get_tracer("test")
    fake.inject(Fault(kind="rate_limit", count=1, retry_after_s=0.05, model=SECONDARY))
    chunks = [*sample_chunks(), chunk("travel#2", "Hotel stays are capped at 180 EUR per night. Trains are booked "
                                                  "in second class.")]  # a near-duplicate of travel#1: dropped
    generated = await service.generate(context_for(QUESTION, chunks), deps)

    spans = exporter.get_finished_spans()
    parent = next(s for s in spans if s.name == "generate.model_call")
    attempts = sorted((s for s in spans if s.name == "generate.attempt"), key=lambda s: s.attributes["ragbus.attempt"])
    assert parent.attributes["ragbus.generation.dropped_chunk_ids"] == ("travel#2",) == tuple(generated.info.dropped_chunk_ids)
    assert all(s.parent.span_id == parent.context.span_id for s in attempts)
    seen = [(s.attributes["gen_ai.request.model"], s.attributes["ragbus.rung"], s.attributes["ragbus.outcome"],
             s.attributes["ragbus.billed"]) for s in attempts]
    assert seen == [(PRIMARY, "primary", "max_tokens", True), (SECONDARY, "secondary", "rate_limited", False),
                    (SECONDARY, "secondary", "served", True)]
    for span, row in zip([s for s in attempts if s.attributes["ragbus.billed"]], generated.costs, strict=True):
        assert span.attributes["gen_ai.system"] == "anthropic" and span.attributes["ragbus.cache_hit"] is False
        assert span.attributes["gen_ai.usage.input_tokens"] == row.input_tokens > 0
        assert span.attributes["gen_ai.usage.output_tokens"] == row.output_tokens > 0
        assert span.attributes["ragbus.cost_usd"] == float(row.cost_usd) > 0
    assert attempts[1].attributes["gen_ai.usage.input_tokens"] == 0 and attempts[1].status.status_code.name == "ERROR"
    assert parent.attributes["ragbus.cost_usd"] == generated.draft.cost_usd

    hit = await service.generate(context_for(QUESTION, chunks), deps)
    cached = [s for s in exporter.get_finished_spans() if s.name == "generate.cache_hit"]
    assert hit.info.cache_hit and len(cached) == 1 and cached[0].attributes["ragbus.cache_hit"] is True
    assert cached[0].attributes["ragbus.cost_usd"] == 0.0 and "gen_ai.system" not in cached[0].attributes
