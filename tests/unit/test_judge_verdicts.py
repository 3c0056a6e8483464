"""Reading a judge's verdict, combining repeats, and where scores, spreads and prompts end up."""

import pytest

from libs.contracts.questions import AnswerCompleted, AnswerStatus
from libs.evaluation.cases import EvalCase
from libs.evaluation.gate import compare
from libs.evaluation.judges import Score, combine_repeats
from libs.evaluation.llm_judge import PROMPT, parse_verdict
from libs.evaluation.report import render_html
from libs.evaluation.scoring import score_case
from libs.evaluation.summary import case_rows, judge_spread
from libs.stores.scores import ScoreStore, prompt_sha
from services.evaluate.service import scored_event


@pytest.mark.parametrize(
    ("reply", "verdict"),
    [
        ('{"faithfulness": 0.75, "answer_relevance": 1}', {"faithfulness": 0.75, "answer_relevance": 1.0}),
        ('```json\n{"faithfulness": 0.5, "answer_relevance": 0.25}\n```', {"faithfulness": 0.5, "answer_relevance": 0.25}),
        ('Here is my verdict: {"faithfulness": 1.0, "answer_relevance": 0.0} Hope it helps.',
         {"faithfulness": 1.0, "answer_relevance": 0.0}),
        ('{"faithfulness": null, "answer_relevance": 0.8}', {"faithfulness": None, "answer_relevance": 0.8}),
        ('{"faithfulness": 80, "answer_relevance": -0.1}', {"faithfulness": None, "answer_relevance": None}),
        ('{"faithfulness": "0.9", "answer_relevance": true}', {"faithfulness": None, "answer_relevance": None}),
        ('{"faithfulness": NaN}', {"faithfulness": None, "answer_relevance": None}),
        ("The answer looks faithful.", {}),
        ('{"faithfulness": 0.9, "answer_relevance": ', {}),
        ("[0.9, 0.8]", {}),
    ],
)
def test_a_verdict_is_read_strictly_and_anything_else_is_unmeasured(reply, verdict):
    assert parse_verdict(reply) == verdict


def test_repeats_combine_into_the_mean_and_range_of_those_measured():
    assert combine_repeats("faithfulness", [0.6, None, 0.9, 0.75]) == Score("faithfulness", pytest.approx(0.75), 0.3, 3)
    assert combine_repeats("faithfulness", [None, 0.4]) == Score("faithfulness", 0.4, None, 1)
    assert combine_repeats("faithfulness", [None, None]) == Score("faithfulness", None, None, 0)


class RecordingConnection:
    """Stands in for asyncpg: remembers each statement's arguments."""

    def __init__(self) -> None:
        self.calls: list[tuple] = []

    async def execute(self, sql, *args):
        self.calls.append(args)

    async def fetchval(self, sql, *args):
        self.calls.append(args)
        return True

    def transaction(self):
        return self

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        return False


class RecordingPool:
    def __init__(self) -> None:
        self.connection = RecordingConnection()

    def acquire(self):
        return self.connection


class LlmLikeJudge:
    name, version, prompt, repeats = "llm-claude-haiku-4-5", "1", PROMPT, 3


def answer() -> AnswerCompleted:
    return AnswerCompleted(request_id="r-9", tenant="acme", status=AnswerStatus.OK, question="q", answer="a", variant="v2")


async def test_a_score_is_stored_and_published_with_its_judge_prompt_version_and_spread():
    pool, score, judge = RecordingPool(), Score("faithfulness", 0.8, 0.2, 3), LlmLikeJudge()
    async with ScoreStore(pool).recording(answer(), score, judge) as inserted:
        assert inserted
    prompt_row, score_row = pool.connection.calls
    assert prompt_row == (prompt_sha(PROMPT), PROMPT)
    assert score_row == ("r-9", "faithfulness", judge.name, "1", 0.8, "acme", "v2", prompt_sha(PROMPT), 0.2, 3)
    event = scored_event(answer(), score, judge)
    assert (event.judge, event.judge_version, event.value, event.spread, event.repeats) == (judge.name, "1", 0.8, 0.2, 3)


def run_by(judge: str) -> dict:
    return {"run": {"judge": {"name": judge, "version": "1"}}, "metrics": {"faithfulness": 0.3, "correctness": 0.6},
            "cases": [{"id": "c1", "passed": True}]}


def test_the_gate_does_not_hold_one_judges_scores_against_anothers():
    baseline = {"judge": {"name": "offline-lexical", "version": "1"}, "margin": 0.02, "passing_cases": ["c1"],
                "metrics": {"faithfulness": 0.9, "correctness": 0.6}}
    same = compare(run_by("offline-lexical"), baseline)
    assert [r["metric"] for r in same["regressions"]] == ["faithfulness"] and "not_compared" not in same
    other = compare(run_by("llm-claude-haiku-4-5"), baseline)
    assert other["passed"] and other["not_compared"]["metrics"] == ["faithfulness"]
    assert "llm-claude-haiku-4-5" in other["not_compared"]["reason"]


def test_the_report_shows_the_judge_spread():
    result = {"run": {"judge": {"name": "llm-claude-haiku-4-5", "version": "1", "repeats": 3}},
              "metrics": {"faithfulness": 0.8}, "judge_spread": {"faithfulness": {"cases": 4, "mean": 0.125, "max": 0.3}}}
    page = render_html(result)
    assert "Judge spread: llm-claude-haiku-4-5 scored each answer 3 times" in page
    assert "<td>faithfulness</td><td>4</td><td>0.125</td><td>0.300</td>" in page
    assert "Judge spread" not in render_html({"run": {}, "metrics": {"faithfulness": 0.8}, "judge_spread": {}})


def test_the_run_summary_reports_the_spread_of_judged_answers_only():
    case = EvalCase(id="acme-001", tenant="acme", question="q", relevant_doc_ids=["d"], key_facts=["a"],
                    reference_answer="a", expected="answer", category="factual")
    results = [score_case(case, answer(), 10.0, {"faithfulness": 0.8}, {"faithfulness": spread}) for spread in (0.1, 0.3)]
    results.append(score_case(case, answer(), 10.0, {"faithfulness": 0.8}))  # measured once: no spread
    assert judge_spread(results) == {"faithfulness": {"cases": 2, "mean": 0.2, "max": 0.3}}
    assert [row["judge_spread"] for row in case_rows(results)] == [{"faithfulness": 0.1}, {"faithfulness": 0.3}, {}]
