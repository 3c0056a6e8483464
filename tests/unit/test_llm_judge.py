"""The LLM judge through the real `anthropic` SDK against the fake Messages API: verdicts, repeats, failures."""

import pytest
from pydantic import ValidationError

from libs.contracts.questions import AnswerCompleted, AnswerStatus, Citation
from libs.evaluation.judge_factory import JudgeSettings, build_judge
from libs.evaluation.judges import OfflineJudge
from libs.evaluation.llm_judge import LAYOUT, SYSTEM, LlmJudge
from libs.models.anthropic_generator import AnthropicGenerator, anthropic_client
from libs.models.breakers import BreakerBoard
from libs.stores.cost_ledger import JUDGE, InMemoryCostLedger, utc_today
from libs.testing.fake_anthropic import FakeAnthropic
from libs.testing.fake_faults import Fault

pytestmark = pytest.mark.usefixtures("no_faults")  # conftest: the shared fake answers normally

MODEL = "claude-haiku-4-5"
QUOTE = "Hotel stays are capped at 180 EUR per night."
QUESTION = "What is the hotel cap per night?"


@pytest.fixture(scope="module")
def noisy_fake():
    with FakeAnthropic(seed=3, judge_noise=0.1) as server:
        yield server


def llm_judge(server: FakeAnthropic, ledger=None, board=None, repeats: int = 3, timeout_s: float = 5.0) -> LlmJudge:
    settings = JudgeSettings(
        eval_judge="llm", eval_judge_model=MODEL, eval_judge_repeats=repeats, eval_judge_timeout_s=timeout_s,
        eval_judge_max_retries=0, anthropic_api_key="test-key", anthropic_base_url=server.base_url,
    )
    judge = build_judge(settings, board or BreakerBoard(fail_max=5), ledger)
    assert isinstance(judge, LlmJudge)
    return judge


def answer(text: str, quote: str = QUOTE, request_id: str = "r-1") -> AnswerCompleted:
    citation = Citation(document_id="travel", chunk_id="travel#1", source="travel.md", quote=quote)
    return AnswerCompleted(request_id=request_id, tenant="acme", status=AnswerStatus.OK, question=QUESTION,
                           answer=text, citations=[citation])


def by_metric(scores) -> dict:
    return {score.metric: score for score in scores}


async def test_a_supported_answer_scores_higher_than_an_unsupported_one(fake):
    judge = llm_judge(fake)
    supported = by_metric(await judge.score(answer("Hotel stays are capped at 180 EUR per night. [1]")))
    unsupported = by_metric(await judge.score(answer("Dogs may visit the office on Fridays. [1]")))
    assert supported["faithfulness"].value == 1.0
    assert unsupported["faithfulness"].value < 0.3
    assert supported["answer_relevance"].value > unsupported["answer_relevance"].value
    assert supported["faithfulness"].repeats == 3 and supported["faithfulness"].spread == 0.0  # a noiseless model agrees


async def test_the_prompt_sent_is_the_prompt_recorded(fake):
    judge = llm_judge(fake, repeats=1)
    await judge.score(answer("Hotel stays are capped at 180 EUR per night. [1]"))
    sent = fake.last_request()
    assert sent["system"] == SYSTEM and SYSTEM in judge.prompt and LAYOUT in judge.prompt
    assert sent["messages"][0]["content"] == (
        f"Question:\n{QUESTION}\n\nAnswer:\nHotel stays are capped at 180 EUR per night. [1]\n\nCited quotes:\n[1] {QUOTE}"
    )
    assert sent["model"] == MODEL and judge.name == f"llm-{MODEL}" and judge.version == "1"


async def test_repeats_report_their_mean_and_spread(noisy_fake):
    calls_before = noisy_fake.stats()["calls"]
    scores = by_metric(await llm_judge(noisy_fake, repeats=5).score(answer("Hotel stays are capped at 180 EUR per night.")))
    assert noisy_fake.stats()["calls"] == calls_before + 5
    faithfulness = scores["faithfulness"]
    assert faithfulness.repeats == 5
    assert 0.0 < faithfulness.spread <= 0.2  # ± 0.1 noise, clamped at 1.0
    assert 0.9 <= faithfulness.value <= 1.0


@pytest.mark.parametrize("kind", ["server_error", "overloaded", "malformed", "missing_fields", "off_format"])
async def test_a_judge_that_cannot_answer_is_unmeasured_not_scored(fake, kind):
    fake.inject(Fault(kind=kind))  # every call
    ledger = InMemoryCostLedger()
    scores = await llm_judge(fake, ledger).score(answer("Hotel stays are capped at 180 EUR per night. [1]"))
    assert [(s.value, s.spread, s.repeats) for s in scores] == [(None, None, 0), (None, None, 0)]
    assert all(entry.purpose == JUDGE for entry in ledger.entries)  # an off-format reply was still paid for
    assert len(ledger.entries) == (3 if kind == "off_format" else 0)


async def test_a_hanging_judge_call_ends_at_its_timeout_as_unmeasured(fake):
    fake.inject(Fault(kind="hang", count=1))
    scores = await llm_judge(fake, repeats=1, timeout_s=0.3).score(answer("Hotel stays are capped at 180 EUR per night."))
    assert [s.value for s in scores] == [None, None]


async def test_one_failed_repeat_leaves_the_mean_of_the_others(fake):
    fake.inject(Fault(kind="server_error", count=1))
    scores = by_metric(await llm_judge(fake).score(answer("Hotel stays are capped at 180 EUR per night. [1]")))
    assert scores["faithfulness"].value == 1.0 and scores["faithfulness"].repeats == 2


async def test_failures_open_the_breaker_and_an_open_breaker_is_unmeasured_without_a_call(fake):
    board = BreakerBoard(fail_max=2, reset_timeout_s=60)
    judge = llm_judge(fake, board=board)
    fake.inject(Fault(kind="server_error"))
    await judge.score(answer("Hotel stays are capped at 180 EUR per night. [1]"))
    assert board.states()[MODEL] == "open"
    fake.clear_faults()
    calls_before = fake.stats()["calls"]
    scores = await judge.score(answer("Hotel stays are capped at 180 EUR per night. [1]"))
    assert [s.value for s in scores] == [None, None]
    assert fake.stats()["calls"] == calls_before


async def test_each_judge_call_is_costed_as_judge_spend_not_the_tenants(fake):
    ledger = InMemoryCostLedger()
    await llm_judge(fake, ledger).score(answer("Hotel stays are capped at 180 EUR per night. [1]", request_id="r-cost"))
    assert len(ledger.entries) == 3
    assert {(e.request_id, e.tenant, e.model, e.rung, e.purpose) for e in ledger.entries} == {
        ("r-cost", "acme", MODEL, JUDGE, JUDGE)
    }
    assert all(e.cost_usd > 0 and e.input_tokens > 0 for e in ledger.entries)
    assert await ledger.spent("acme", utc_today()) == 0.0  # the tenant's daily budget counts generation only


async def test_a_judge_reply_cut_at_max_tokens_is_unmeasured_but_its_billed_cost_is_a_judge_row(fake):
    ledger = InMemoryCostLedger()
    cut = AnthropicGenerator(anthropic_client("test-key", fake.base_url, 5.0), MODEL, max_tokens=4)  # verdicts need ~20
    judge = LlmJudge(cut, BreakerBoard(fail_max=5).breaker(MODEL), repeats=2, timeout_s=5.0, ledger=ledger)
    billed_before = fake.usage().get(MODEL, {"input_tokens": 0, "output_tokens": 0})
    scores = await judge.score(answer("Hotel stays are capped at 180 EUR per night. [1]", request_id="r-cut"))
    assert [s.value for s in scores] == [None, None]
    assert [(e.request_id, e.model, e.rung, e.purpose, e.outcome) for e in ledger.entries] == [
        ("r-cut", MODEL, JUDGE, JUDGE, "max_tokens")] * 2
    billed = fake.usage()[MODEL]
    assert sum(e.output_tokens for e in ledger.entries) == billed["output_tokens"] - billed_before["output_tokens"] == 8
    assert sum(e.input_tokens for e in ledger.entries) == billed["input_tokens"] - billed_before["input_tokens"]
    assert all(e.cost_usd > 0 for e in ledger.entries)
    assert await ledger.spent("acme", utc_today()) == 0.0  # judge spend, not the tenant's


def test_auto_is_the_llm_judge_only_with_a_key(monkeypatch):
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.delenv("EVAL_JUDGE", raising=False)
    assert isinstance(build_judge(JudgeSettings()), OfflineJudge)
    assert isinstance(build_judge(JudgeSettings(anthropic_api_key="")), OfflineJudge)  # compose's ${KEY:-}
    assert isinstance(build_judge(JudgeSettings(anthropic_api_key="k")), LlmJudge)
    assert isinstance(build_judge(JudgeSettings(eval_judge="offline", anthropic_api_key="k")), OfflineJudge)
    monkeypatch.setenv("EVAL_JUDGE", "llm")
    with pytest.raises(ValidationError, match="needs ANTHROPIC_API_KEY"):
        JudgeSettings()
