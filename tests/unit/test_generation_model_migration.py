"""The Claude 5.x generation (ADR 0006, 2026-11-26 model migration) with the real `anthropic` SDK against the
fake server: thinking blocks never reach the answer but are paid for, a reply that only thought moves down
the ladder, each model gets only the request settings it accepts, and no model goes unpriced."""

import warnings

import anthropic
import pytest
from anthropic._data import DEPRECATED_MODELS

from libs.models.anthropic_generator import AnthropicGenerator
from libs.models.billing import bill
from libs.models.model_catalogue import PRICES_PER_MTOK, UnpricedModel, priced, request_options
from libs.models.model_errors import MaxTokensReached, reason_code
from libs.models.prompts import render, template_for
from libs.testing.fake_anthropic import FakeAnthropic
from libs.testing.generation import PRIMARY, SECONDARY, context_for, model_settings, sample_chunks
from services.generate import service
from services.generate.settings import GenerateSettings
from services.generate.wiring import build_deps

QUESTION = "What is the hotel cap per night?"
ANSWER = "Hotel stays are capped at 180 EUR per night. [2]"
PROMPT = render(template_for("default"), QUESTION, sample_chunks())


def client_of(fake: FakeAnthropic) -> anthropic.AsyncAnthropic:
    return anthropic.AsyncAnthropic(api_key="test-key", base_url=fake.base_url, max_retries=0)


def generator(fake: FakeAnthropic, model: str, **options) -> AnthropicGenerator:
    return AnthropicGenerator(client_of(fake), model, 512, **options)


def test_the_default_models_are_priced_and_not_deprecated():
    settings = GenerateSettings()
    assert (settings.anthropic_model, settings.anthropic_fallback_model) == ("claude-sonnet-5-5", "claude-haiku-4-5")
    for model in (settings.anthropic_model, settings.anthropic_fallback_model):
        assert model in PRICES_PER_MTOK and model not in DEPRECATED_MODELS


async def test_a_reply_that_thinks_first_is_read_for_its_text_only_and_the_thinking_is_paid_for(fake):
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)  # the SDK warns for models near end of life
        reply = await generator(fake, "claude-sonnet-5-5", thinking_tokens=1024, effort="low").reply(
            PROMPT.system, PROMPT.user)
    assert reply.text == ANSWER and "Source [" not in reply.text
    answer_tokens = -(-len(ANSWER) * 13 // 40)  # the fake's 5.x tokenizer
    assert reply.usage.output_tokens > answer_tokens  # the thinking tokens are billed as output
    assert reply.cost_usd == float(bill("claude-sonnet-5-5", reply.usage, priced(2.0, 10.0)).cost_usd) > 0
    sent = fake.last_request()
    assert (sent["max_tokens"], sent["output_config"], "thinking" in sent) == (512 + 1024, {"effort": "low"}, False)


@pytest.mark.parametrize(("model", "off"), [("claude-sonnet-5-5", "between_tools"), ("claude-sonnet-5", "disabled")])
async def test_without_thinking_tokens_a_5x_model_is_told_not_to_think(fake, model, off):
    reply = await generator(fake, model, effort="low").reply(PROMPT.system, PROMPT.user)
    assert reply.text == ANSWER
    assert (fake.last_request()["thinking"], fake.last_request()["max_tokens"]) == ({"type": off}, 512)


async def test_the_fallback_model_gets_neither_effort_nor_thinking_settings_it_would_refuse(fake):
    reply = await generator(fake, SECONDARY, thinking_tokens=1024, effort="low").reply(PROMPT.system, PROMPT.user)
    assert reply.text == ANSWER
    sent = fake.last_request()
    assert (sent["max_tokens"], "output_config" in sent, "thinking" in sent) == (512, False, False)


def test_request_options_hold_only_what_each_model_accepts():
    low_effort = {"max_tokens": 512, "output_config": {"effort": "low"}}
    assert request_options("claude-sonnet-4-6", 512, 1024, "low") == low_effort  # 4.6 does not think unasked
    assert request_options("claude-opus-5", 512, 0, None) == {"max_tokens": 512, "thinking": {"type": "disabled"}}
    assert request_options("claude-haiku-4-5", 200) == {"max_tokens": 200}  # what the LLM judge sends


async def test_a_reply_that_ran_out_of_tokens_while_thinking_moves_to_the_next_rung_without_a_retry(fake):
    settings = model_settings(fake.base_url, max_output_tokens=16, anthropic_thinking_tokens=8)  # < the fake's thinking
    before = fake.stats()["models"]
    generated = await service.generate(context_for(QUESTION), build_deps(GenerateSettings(**settings)))
    assert (generated.info.rung, generated.info.reason) == ("secondary", "primary:max_tokens")
    assert generated.info.attempts == 2  # one primary call, not retried: the same request would run out again
    assert generated.draft.answer == ANSWER and generated.draft.model == SECONDARY
    assert fake.stats()["models"][PRIMARY] == before.get(PRIMARY, 0) + 1


async def test_an_answer_cut_at_max_tokens_is_not_served_as_an_answer(fake):
    with pytest.raises(MaxTokensReached):  # "Hotel stays are capped at 18" must not reach a user
        await AnthropicGenerator(client_of(fake), SECONDARY, 5).reply(PROMPT.system, PROMPT.user)
    assert reason_code(MaxTokensReached("cut")) == "max_tokens"


def test_a_model_without_a_price_is_refused_at_start_up_with_the_way_to_price_it(fake):
    with pytest.raises(UnpricedModel, match="MODEL_PRICES_USD_PER_MTOK"):
        build_deps(GenerateSettings(**model_settings(fake.base_url, anthropic_model="claude-sonnet-9")))


async def test_a_price_given_in_settings_costs_a_model_the_table_lacks(fake, monkeypatch):
    monkeypatch.setenv("MODEL_PRICES_USD_PER_MTOK", '{"claude-sonnet-9": [4, 20]}')
    settings = GenerateSettings(**model_settings(fake.base_url, anthropic_model="claude-sonnet-9"))
    generated = await service.generate(context_for(QUESTION), build_deps(settings))
    assert generated.info.rung == "primary" and generated.draft.model == "claude-sonnet-9"
    assert generated.draft.cost_usd == float(bill("claude-sonnet-9", generated.draft.usage, priced(4.0, 20.0)).cost_usd) > 0
