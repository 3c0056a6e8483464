"""The fake Anthropic server speaks the Messages API the real SDK expects, and misbehaves on request."""

import anthropic
import httpx
import pytest

from libs.testing.fake_anthropic import FakeAnthropic
from libs.testing.fake_faults import Fault, FaultPlan, mixed_faults

pytestmark = pytest.mark.usefixtures("no_faults")  # conftest: the shared fake answers normally

PROMPT = (
    "Sources:\n[1] (wheels.md)\nThe RW-200 weighs 0.95 kg. It is built in Munich.\n\n"
    "[2] (travel.md)\nHotel stays are capped at 180 EUR per night.\n\nQuestion: What is the hotel cap per night?"
)


def client(fake: FakeAnthropic) -> anthropic.AsyncAnthropic:
    return anthropic.AsyncAnthropic(api_key="test-key", base_url=fake.base_url, max_retries=0)


async def ask(fake: FakeAnthropic, prompt: str = PROMPT, model: str = "claude-haiku-4-5", **options):
    return await client(fake).messages.create(
        model=model, max_tokens=options.pop("max_tokens", 64), messages=[{"role": "user", "content": prompt}], **options
    )


async def test_answers_with_the_best_source_sentence_and_cites_it(fake):
    message = await ask(fake)
    assert message.content[0].text == "Hotel stays are capped at 180 EUR per night. [2]"
    assert message.model == "claude-haiku-4-5" and message.stop_reason == "end_turn"
    assert message.usage.input_tokens == -(-len(PROMPT) // 4)
    assert message.usage.output_tokens > 0


async def test_replies_not_found_when_no_source_covers_the_question(fake):
    message = await ask(fake, PROMPT.replace("What is the hotel cap per night?", "Who founded the company?"))
    assert message.content[0].text == "NOT_FOUND"


async def test_finds_sources_when_the_question_comes_first(fake):
    prompt = "Question: The RW-200 weighs how many kg?\n\nSources:\n[1] (a.md)\nTrains are slow.\n\n[2] (b.md)\nThe RW-200 weighs 0.95 kg."
    assert (await ask(fake, prompt)).content[0].text == "The RW-200 weighs 0.95 kg. [2]"


@pytest.mark.parametrize(
    ("kind", "error", "status"),
    [("rate_limit", anthropic.RateLimitError, 429), ("overloaded", anthropic.OverloadedError, 529),
     ("server_error", anthropic.InternalServerError, 500)],
)
async def test_error_faults_reach_the_sdk_as_its_typed_errors(fake, kind, error, status):
    fake.inject(Fault(kind=kind, count=1, retry_after_s=7))
    with pytest.raises(error) as raised:
        await ask(fake)
    assert raised.value.status_code == status
    assert (raised.value.response.headers.get("retry-after") == "7") is (kind == "rate_limit")
    assert (await ask(fake)).content[0].text.endswith("[2]")  # only the next call was spoiled


async def test_a_fault_for_one_model_leaves_the_others_alone(fake):
    fake.inject(Fault(kind="overloaded", count=5, model="claude-sonnet-5-5"))
    assert (await ask(fake, model="claude-haiku-4-5")).content[0].text.endswith("[2]")
    with pytest.raises(anthropic.OverloadedError):
        await ask(fake, model="claude-sonnet-5-5")


async def test_a_5x_model_thinks_before_the_text_and_counts_30_percent_more_tokens(fake):
    message = await ask(fake, model="claude-sonnet-5-5", max_tokens=1024)
    assert [block.type for block in message.content] == ["thinking", "text"]
    assert "Source [2] covers" in message.content[0].thinking
    assert message.content[1].text == "Hotel stays are capped at 180 EUR per night. [2]"
    assert message.usage.input_tokens == -(-len(PROMPT) * 13 // 40)
    assert message.usage.output_tokens > -(-len(message.content[1].text) * 13 // 40)  # the thinking is billed too


@pytest.mark.parametrize(("model", "off"), [("claude-sonnet-5-5", "between_tools"), ("claude-sonnet-5", "disabled")])
async def test_a_5x_model_told_not_to_think_answers_with_text_only(fake, model, off):
    message = await ask(fake, model=model, thinking={"type": off})
    assert [block.type for block in message.content] == ["text"]


async def test_max_tokens_is_honoured_with_thinking_counted_toward_it(fake):
    message = await ask(fake, model="claude-sonnet-5-5", max_tokens=12)
    assert [block.type for block in message.content] == ["thinking"]
    assert (message.stop_reason, message.usage.output_tokens) == ("max_tokens", 12)
    cut = await ask(fake, model="claude-haiku-4-5", max_tokens=5)
    assert cut.stop_reason == "max_tokens" and PROMPT.count(cut.content[0].text) == 1


@pytest.mark.parametrize(
    ("model", "options"),
    [("claude-sonnet-5-5", {"thinking": {"type": "disabled"}}),
     ("claude-sonnet-5", {"thinking": {"type": "enabled", "budget_tokens": 1024}}),
     ("claude-sonnet-5", {"extra_body": {"temperature": 0.2}}),  # SDK 2.14 has no sampling parameters
     ("claude-sonnet-4-6", {"thinking": {"type": "between_tools"}}),
     ("claude-haiku-4-5", {"output_config": {"effort": "low"}})],
)
async def test_settings_a_model_refuses_get_the_apis_400(fake, model, options):
    with pytest.raises(anthropic.BadRequestError):
        await ask(fake, model=model, **options)


async def test_a_hanging_call_ends_with_the_clients_timeout(fake):
    fake.inject(Fault(kind="hang", count=1))
    with pytest.raises(anthropic.APITimeoutError):
        await client(fake).messages.create(model="m", max_tokens=8, messages=[{"role": "user", "content": "hi"}], timeout=0.3)


async def test_a_malformed_body_is_not_a_message(fake):
    fake.inject(Fault(kind="malformed", count=1))
    with pytest.raises(ValueError):
        await ask(fake)


async def test_a_prompt_over_the_context_window_is_refused_like_the_api_does():
    with FakeAnthropic(context_window=20) as small:
        with pytest.raises(anthropic.BadRequestError, match="prompt is too long"):
            await ask(small)
        assert small.stats()["outcomes"] == {"too_long": 1}


async def test_faults_and_stats_are_controlled_over_http(fake):
    async with httpx.AsyncClient(base_url=fake.base_url) as http:
        response = await http.post("/admin/faults", json={"kind": "server_error", "count": 1})
        assert response.json()["faults"][0]["kind"] == "server_error"
        with pytest.raises(anthropic.InternalServerError):
            await ask(fake)
        before = (await http.get("/admin/stats")).json()
        await http.delete("/admin/faults")
        await ask(fake)
        after = (await http.get("/admin/stats")).json()
    assert after["calls"] == before["calls"] + 1
    assert after["outcomes"]["ok"] == before["outcomes"].get("ok", 0) + 1


def test_rate_faults_are_seeded_and_spoil_about_their_share():
    runs = []
    for _ in range(2):
        plan = FaultPlan(seed=7)
        for fault in mixed_faults(0.3):
            plan.add(fault)
        runs.append([getattr(plan.pick("m"), "kind", None) for _ in range(2000)])
    assert runs[0] == runs[1]
    spoiled = [kind for kind in runs[0] if kind is not None]
    assert 0.26 < len(spoiled) / 2000 < 0.34
    assert set(spoiled) == {"rate_limit", "overloaded", "server_error", "slow", "malformed"}


def test_an_unknown_fault_kind_is_refused():
    with pytest.raises(ValueError, match="unknown fault kind"):
        Fault(kind="meteor")
