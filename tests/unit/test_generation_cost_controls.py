"""Cost controls in the generate path against the fake server: draft cache, context budget, prompt variants,
per-tenant daily budget and the cost ledger (its contract implemented in memory; PostgreSQL is tested in
tests/integration/test_generation_resilience.py)."""

import asyncio
import json
from dataclasses import replace
from datetime import timedelta

import pytest
from structlog.testing import capture_logs

from libs.models.draft_cache import TtlLruCache, cache_key, normalise_question
from libs.models.prompts import template_for
from libs.stores.cost_ledger import CostEntry, InMemoryCostLedger, utc_today
from libs.testing.fake_anthropic import FakeAnthropic
from libs.testing.generation import PRIMARY, chunk, context_for, model_settings
from libs.testing.support import free_port
from services.generate import service
from services.generate.settings import GenerateSettings
from services.generate.wiring import build_deps

QUESTION = "What is the hotel cap per night?"


def deps_for(base_url: str, ledger=None, **overrides):
    deps = build_deps(GenerateSettings(**model_settings(base_url, **overrides)))
    deps.ledger = ledger
    return deps


async def test_a_repeated_request_is_served_from_the_cache_at_no_cost(fake):
    deps, ledger = deps_for(fake.base_url), InMemoryCostLedger()
    deps.ledger = ledger
    first = await service.generate(context_for(QUESTION), deps)
    calls = fake.stats()["calls"]
    again = await service.generate(context_for(QUESTION), deps)
    assert fake.stats()["calls"] == calls
    assert again.info.cache_hit and not first.info.cache_hit
    assert (again.info.rung, again.info.attempts) == ("primary", 0)
    assert again.draft.answer == first.draft.answer and again.draft.citations == first.draft.citations
    assert (again.draft.cost_usd, again.draft.usage.input_tokens) == (0.0, 0)
    assert [(e.cache_hit, e.cost_usd > 0) for e in ledger.entries] == [(False, True), (True, False)]


@pytest.mark.parametrize("change", ["tenant", "variant", "question", "chunks"])
async def test_anything_else_that_differs_misses_the_cache(fake, change):
    deps = deps_for(fake.base_url)
    await service.generate(context_for(QUESTION), deps)
    other = {
        "tenant": context_for(QUESTION, tenant="globex"),
        "variant": context_for(QUESTION, variant="concise"),
        "question": context_for(QUESTION + " In EUR?"),
        "chunks": context_for(QUESTION, [chunk("travel#1", "Hotel stays are capped at 180 EUR per night.")]),
    }[change]
    assert not (await service.generate(other, deps)).info.cache_hit


async def test_offline_answers_are_not_cached_so_a_recovered_api_serves_the_next_one():
    deps = deps_for(f"http://127.0.0.1:{free_port()}", anthropic_max_retries=0)  # nothing listens there
    degraded = await service.generate(context_for(QUESTION), deps)
    assert degraded.info.rung == "offline" and "connection_error" in degraded.info.reason
    assert len(deps.cache) == 0


async def test_the_cache_expires_entries_and_evicts_the_least_recently_used():
    now = [0.0]
    cache = TtlLruCache(max_entries=2, ttl_s=10, clock=lambda: now[0])
    await cache.put("a", 1)
    await cache.put("b", 2)
    assert await cache.get("a") == 1  # "b" is now the least recently used
    await cache.put("c", 3)
    assert (await cache.get("b"), await cache.get("a"), await cache.get("c")) == (None, 1, 3)
    now[0] = 10.5
    assert await cache.get("a") is None and len(cache) == 1


def test_the_cache_key_depends_on_every_part_and_the_chunk_order():
    default, concise = template_for("default"), template_for("concise")
    a, b = chunk("a#1", "Alpha."), chunk("b#1", "Beta.")
    key = cache_key("acme", default, PRIMARY, "q", [a, b])
    assert key == cache_key("acme", default, PRIMARY, "q", [a, b])
    others = [cache_key("globex", default, PRIMARY, "q", [a, b]), cache_key("acme", concise, PRIMARY, "q", [a, b]),
              cache_key("acme", replace(default, version=2), PRIMARY, "q", [a, b]),
              cache_key("acme", default, "claude-opus-5", "q", [a, b]), cache_key("acme", default, PRIMARY, "q2", [a, b]),
              cache_key("acme", default, PRIMARY, "q", [b, a]), cache_key("acme", default, PRIMARY, "q", [a]),
              cache_key("acme", default, PRIMARY, "q", [a, chunk("b#2", "Beta.")])]
    assert key.digest not in {k.digest for k in others} and len({k.digest for k in others}) == len(others)


def test_the_question_is_normalised_for_the_cache_key():
    assert normalise_question("  What is the  HOTEL cap?? ") == normalise_question("what is the hotel cap") == "what is the hotel cap"
    assert normalise_question("What is the hotel cap in EUR?") != normalise_question("What is the hotel cap?")


async def test_the_variant_selects_the_prompt_template_per_request(fake):
    deps = deps_for(fake.base_url)
    concise = await service.generate(context_for(QUESTION, variant="concise"), deps)
    sent = fake.last_request()
    assert "one or two short sentences" in sent["system"]
    assert sent["messages"][0]["content"].startswith(f"Question: {QUESTION}")
    plain = await service.generate(context_for(QUESTION, variant="default"), deps)
    assert "one or two short sentences" not in fake.last_request()["system"]
    assert (concise.info.prompt_variant, plain.info.prompt_variant) == ("concise", "default")
    assert concise.info.prompt_version == plain.info.prompt_version == 1
    assert concise.draft.answer == plain.draft.answer  # both layouts number the sources the same way


async def test_an_unknown_variant_is_answered_with_the_default_prompt(fake):
    generated = await service.generate(context_for(QUESTION, variant="shiny-new"), deps_for(fake.base_url))
    assert generated.info.prompt_variant == "default" and generated.info.rung == "primary"


async def test_context_overflow_is_answered_from_what_fits_with_the_dropped_chunks_recorded():
    filler = [chunk(f"filler#{n}", f"Section {n} lists " + " ".join(f"item{n}x{i}" for i in range(150)) + ".")
              for n in range(5)]
    chunks = [chunk("travel#1", "Hotel stays are capped at 180 EUR per night."), *filler]
    with FakeAnthropic(context_window=700) as small:  # the fake refuses prompts over 700 tokens, like the API
        deps = deps_for(small.base_url, context_window_tokens=700 + 128 + 256, max_output_tokens=128,
                        anthropic_thinking_tokens=256)  # thinking is output too: reserved with the answer
        generated = await service.generate(context_for(QUESTION, chunks), deps)
        assert small.stats()["outcomes"] == {"ok": 1}  # never "too_long"
        sent = small.last_request()["messages"][0]["content"]
    assert (generated.info.rung, generated.info.reason) == ("primary", "")
    assert generated.draft.answer == "Hotel stays are capped at 180 EUR per night. [1]"
    assert generated.info.dropped_chunk_ids and set(generated.info.dropped_chunk_ids) < {c.chunk_id for c in filler}
    assert all(c.text not in sent for c in filler if c.chunk_id in generated.info.dropped_chunk_ids)
    assert generated.info.token_counter == "chars/2.7" and 0 < generated.info.context_tokens <= 700


async def test_a_question_too_long_for_any_model_is_answered_offline(fake):
    calls = fake.stats()["calls"]
    question = "What is the hotel cap per night? " + "Please answer carefully. " * 800
    generated = await service.generate(context_for(question), deps_for(fake.base_url, context_window_tokens=2048))
    assert (generated.info.rung, generated.info.reason) == ("offline", "context_overflow")
    assert fake.stats()["calls"] == calls


async def test_a_tenant_over_its_daily_budget_is_answered_offline_and_it_is_logged(fake):
    ledger = InMemoryCostLedger()
    await ledger.record(CostEntry("earlier", "acme", "default", PRIMARY, "primary", 1000, 100, 5.0))
    deps = deps_for(fake.base_url, ledger, tenant_daily_budget_usd=5.0, tenant_budgets_usd={"globex": 50.0})
    calls = fake.stats()["calls"]
    with capture_logs() as logs:
        over = await service.generate(context_for(QUESTION, tenant="acme"), deps)
    assert (over.info.rung, over.info.reason) == ("offline", "budget_exceeded")
    assert fake.stats()["calls"] == calls
    assert any(e["event"] == "tenant over its daily budget, answering offline" and e["budget_usd"] == 5.0 for e in logs)
    under = await service.generate(context_for(QUESTION, tenant="globex"), deps)
    assert under.info.rung == "primary"
    assert [(e.tenant, e.rung) for e in ledger.entries[1:]] == [("acme", "offline"), ("globex", "primary")]


async def test_spend_of_an_earlier_day_does_not_count_against_today(fake):
    ledger = InMemoryCostLedger()
    yesterday = utc_today() - timedelta(days=1)
    await ledger.record(CostEntry("old", "acme", "default", PRIMARY, "primary", 1, 1, 99.0, day=yesterday))
    generated = await service.generate(context_for(QUESTION), deps_for(fake.base_url, ledger, tenant_daily_budget_usd=5.0))
    assert generated.info.rung == "primary"


class BrokenLedger(InMemoryCostLedger):
    def __init__(self, hang: bool = False) -> None:
        super().__init__()
        self._hang = hang

    async def spent(self, tenant, day):
        if self._hang:
            await asyncio.sleep(60)
        raise ConnectionError("database unreachable")

    async def record(self, entry):
        raise ConnectionError("database unreachable")


@pytest.mark.parametrize("hang", [False, True])
async def test_an_unreadable_ledger_neither_fails_nor_holds_the_request(fake, hang):
    deps = deps_for(fake.base_url, BrokenLedger(hang), tenant_daily_budget_usd=5.0, ledger_timeout_s=0.2)
    with capture_logs() as logs:
        generated = await service.generate(context_for(QUESTION), deps)
    assert generated.info.rung == "primary" and generated.draft.answer
    events = [e["event"] for e in logs if e["log_level"] == "error"]
    assert events == ["tenant spend unknown, budget not enforced for this request", "cost not recorded in the ledger"]


async def test_without_an_api_key_the_offline_rung_answers_and_nothing_is_cached_or_charged():
    deps = build_deps(GenerateSettings(anthropic_api_key=None))
    generated = await service.generate(context_for(QUESTION), deps)
    assert deps.rungs == [] and len(deps.cache) == 0
    assert (generated.info.rung, generated.info.reason, generated.info.attempts) == ("offline", "", 1)
    assert generated.draft.model == "offline-extractive-v1" and generated.draft.cost_usd == 0
    assert generated.draft.answer == "Hotel stays are capped at 180 EUR per night. [1]"


def test_budget_settings_come_from_the_environment_and_off_means_no_limit(monkeypatch):
    monkeypatch.setenv("TENANT_DAILY_BUDGET_USD", "off")
    monkeypatch.setenv("TENANT_BUDGETS_USD", '{"acme": 50}')
    budgets = build_deps(GenerateSettings()).budgets
    assert (budgets.limit_for("acme"), budgets.limit_for("globex")) == (50.0, None)


async def test_a_draft_comes_back_whole_from_the_json_a_shared_cache_stores(fake):
    generated = await service.generate(context_for(QUESTION), deps_for(fake.base_url))
    stored = json.loads(json.dumps(service.encode_generated(generated)))
    decoded = service.decode_generated(stored)  # what a hit needs: no billing (a hit is billed nothing) or ledger rows
    assert (decoded.draft, decoded.info) == (replace(generated.draft, billing=None), generated.info)
