"""Prompt variants by a sticky percentage split (PROMPT_VARIANT_SPLIT): proportions, stickiness, rollback, an
explicit variant winning, and the assigned variant travelling on the request to everything that records it."""

import uuid

import pytest
from pydantic import ValidationError

from libs.models.prompt_files import PromptFileError
from libs.models.variant_split import VariantSplit, parse_split
from libs.testing.generation import context_for
from services.generate import service
from services.generate.settings import GenerateSettings
from services.generate.wiring import build_deps

IDS = [str(uuid.UUID(int=n, version=4)) for n in range(10_000)]


def shares(split: VariantSplit, ids=IDS) -> dict[str, float]:
    counts: dict[str, int] = {}
    for request_id in ids:
        variant = split.assign("default", request_id)
        counts[variant] = counts.get(variant, 0) + 1
    return {variant: 100 * n / len(ids) for variant, n in counts.items()}


@pytest.mark.parametrize("percent", [{"concise": 10.0}, {"concise": 50.0}, {"concise": 10.0, "terse": 2.5}])
def test_the_split_gives_each_variant_its_share_of_10k_requests(percent):
    observed = shares(VariantSplit(percent))
    for variant, share in percent.items():
        assert observed[variant] == pytest.approx(share, abs=1.0)  # 10k Bernoulli draws: sd ≤ 0.5 points
    assert observed["default"] == pytest.approx(100 - sum(percent.values()), abs=1.0)


def test_a_request_keeps_its_variant_and_raising_a_share_keeps_those_already_in_it():
    ten, twenty = VariantSplit({"concise": 10}), VariantSplit({"concise": 20})
    assert [ten.assign("default", i) for i in IDS[:500]] == [ten.assign("default", i) for i in IDS[:500]]
    in_canary = {i for i in IDS if ten.assign("default", i) == "concise"}
    assert all(twenty.assign("default", i) == "concise" for i in in_canary)


def test_a_share_of_zero_or_no_split_is_the_rollback():
    assert set(shares(VariantSplit({"concise": 0}))) == set(shares(VariantSplit({}))) == {"default"}


def test_an_explicit_variant_other_than_default_wins():
    everyone = VariantSplit({"concise": 100})
    assert everyone.assign("default", IDS[0]) == "concise"
    assert everyone.assign("terse", IDS[0]) == "terse" and everyone.assign("shiny-new", IDS[0]) == "shiny-new"


def test_the_split_does_not_follow_the_evaluation_sample():
    from libs.platform.sampling import is_sampled

    sampled = [i for i in IDS if is_sampled(i, 0.1)]
    assert shares(VariantSplit({"concise": 10}), sampled)["concise"] == pytest.approx(10, abs=3)


@pytest.mark.parametrize("text, parsed", [("", {}), ("concise=10", {"concise": 10.0}),
                                          (" concise = 2.5 , terse=0 ", {"concise": 2.5, "terse": 0.0})])
def test_the_split_is_written_as_variant_equals_percent(text, parsed):
    assert parse_split(text) == parsed


@pytest.mark.parametrize("text, complaint", [("concise", "variant=percent"), ("concise=ten", "not a number"),
                                             ("concise=60,terse=50", "more than 100%"), ("concise=-1", "between 0 and 100"),
                                             ("default=10", "default"), ("concise=1,concise=2", "named twice")])
def test_a_bad_split_stops_start_up(monkeypatch, text, complaint):
    monkeypatch.setenv("PROMPT_VARIANT_SPLIT", text)
    with pytest.raises(ValidationError, match=complaint):
        GenerateSettings()


def test_a_split_naming_a_variant_without_a_prompt_file_stops_start_up():
    with pytest.raises(PromptFileError, match="'shiny'"):
        build_deps(GenerateSettings(prompt_variant_split="shiny=5"))


async def test_the_assigned_variant_is_on_the_request_and_picks_its_prompt(monkeypatch):
    monkeypatch.setenv("PROMPT_VARIANT_SPLIT", "concise=100")
    deps = build_deps(GenerateSettings(anthropic_api_key=None))
    asked, explicit = context_for("What is the hotel cap per night?"), context_for("Hotel cap?", variant="other")
    assigned = service.assign_variant(asked, deps.split)
    assert (assigned.state.variant, assigned.request_id, assigned.state.question) == ("concise", asked.request_id, asked.state.question)
    assert service.assign_variant(explicit, deps.split) is explicit
    generated = await service.generate(assigned, deps)
    assert (generated.info.prompt_variant, generated.costs[0].variant) == ("concise", "concise")


def test_sticky_by_tenant_gives_all_of_a_tenants_requests_one_variant():
    split = build_deps(GenerateSettings(prompt_variant_split="concise=50", prompt_variant_sticky_by="tenant")).split
    for tenant in ("acme", "globex", "initech"):
        variants = {service.assign_variant(context_for("q", tenant=tenant), split).state.variant for _ in range(30)}
        assert len(variants) == 1


@pytest.mark.filterwarnings("ignore:The 'initial' parameter is deprecated:DeprecationWarning")  # libs/platform/stage.py
async def test_the_generate_app_publishes_the_draft_under_the_assigned_variant():
    from faststream.kafka import TestKafkaBroker

    from libs.contracts import topics
    from libs.contracts.questions import AnswerDrafted
    from services.generate.main import create_app

    app = create_app(GenerateSettings(anthropic_api_key=None, prompt_variant_split="concise=100"))
    drafted: list[AnswerDrafted] = []

    @app.broker.subscriber(topics.ANSWER_DRAFTED)
    async def collect(body: dict) -> None:
        drafted.append(AnswerDrafted.model_validate(body))

    context = context_for("What is the hotel cap per night?")
    async with TestKafkaBroker(app.broker) as broker:
        await broker.publish(context.model_dump(mode="json"), topics.CONTEXT_RETRIEVED)
    assert [(d.request_id, d.state.variant, d.generation.prompt_variant) for d in drafted] == [
        (context.request_id, "concise", "concise")]
