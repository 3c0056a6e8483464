import math

import pytest

from libs.evaluation import metrics
from libs.evaluation.gate import compare


def test_ranked_documents_keep_the_first_rank_of_each_document():
    assert metrics.ranked_documents(["a", "b", "a", "c"]) == ["a", "b", "c"]


def test_precision_recall_and_mrr():
    ranked = ["x", "a", "y", "b"]
    assert metrics.precision_at_k(ranked, {"a", "b"}, 2) == 0.5
    assert metrics.recall_at_k(ranked, {"a", "b", "c"}, 4) == pytest.approx(2 / 3)
    assert metrics.reciprocal_rank(ranked, {"a"}) == 0.5
    assert metrics.reciprocal_rank(ranked, {"zzz"}) == 0.0
    assert metrics.recall_at_k(ranked, set(), 5) is None


def test_ndcg_matches_a_hand_computed_value():
    ranked = ["x", "a", "b"]
    gains = {"a": 3.0, "b": 1.0}
    dcg = 3 / math.log2(3) + 1 / math.log2(4)
    ideal = 3 / math.log2(2) + 1 / math.log2(3)
    assert metrics.ndcg_at_k(ranked, gains, 10) == pytest.approx(dcg / ideal)
    assert metrics.ndcg_at_k(["a", "b"], gains, 10) == pytest.approx(1.0)


def test_fact_coverage_is_case_and_space_insensitive():
    assert metrics.fact_coverage("The cap is 180  eur per night.", ["180 EUR", "220 EUR"]) == 0.5
    assert metrics.fact_coverage("anything", []) is None


def test_faithfulness_and_relevance():
    evidence = "Hotel stays are capped at 180 EUR per night."
    assert metrics.faithfulness("Hotel stays are capped at 180 EUR per night. [1]", evidence) == 1.0
    assert metrics.faithfulness("Dogs are welcome on Fridays.", evidence) == 0.0
    assert metrics.faithfulness("", evidence) is None
    assert metrics.answer_relevance("What is the hotel cap?", "The hotel cap is 180 EUR.") == 1.0


def test_percentile_is_nearest_rank():
    values = list(range(1, 101))
    assert metrics.percentile(values, 50) == 50
    assert metrics.percentile(values, 99) == 99
    assert metrics.percentile([], 50) is None


def run(metric_values: dict, passing: list[str], all_ids=("c1", "c2", "c3")) -> dict:
    return {"metrics": metric_values, "cases": [{"id": i, "passed": i in passing} for i in all_ids]}


BASELINE = {"margin": 0.02, "metrics": {"correctness": 0.60, "faithfulness": 1.0, "block_accuracy": None},
            "passing_cases": ["c1", "c2"]}


def test_gate_passes_within_the_margin():
    verdict = compare(run({"correctness": 0.585, "faithfulness": 1.0, "block_accuracy": 0.0}, ["c1", "c2"]), BASELINE)
    assert verdict == {"passed": True, "regressions": [], "newly_failing_cases": []}


def test_gate_fails_on_a_drop_beyond_the_margin():
    verdict = compare(run({"correctness": 0.55, "faithfulness": 1.0}, ["c1", "c2"]), BASELINE)
    assert not verdict["passed"]
    assert [r["metric"] for r in verdict["regressions"]] == ["correctness"]


def test_gate_fails_when_a_passing_case_fails_or_a_metric_becomes_unmeasured():
    verdict = compare(run({"correctness": 0.9, "faithfulness": None}, ["c1"]), BASELINE)
    assert verdict["newly_failing_cases"] == ["c2"]
    assert [r["metric"] for r in verdict["regressions"]] == ["faithfulness"]


def test_a_model_fault_case_passes_only_when_a_lower_rung_answered():
    from libs.contracts.questions import AnswerCompleted, GenerationInfo
    from libs.evaluation.cases import EvalCase
    from libs.evaluation.scoring import score_case

    case = EvalCase(id="acme-900", tenant="acme", question="How many remote days?", relevant_doc_ids=["remote"],
                    key_facts=["3 days"], reference_answer="3 days", expected="answer", category="api_failure",
                    model_fault="server_error")

    def answered_by(rung: str, reason: str) -> AnswerCompleted:
        return AnswerCompleted(request_id="r", tenant="acme", question=case.question, status="ok",
                               answer="Up to 3 days per week.", generation=GenerationInfo(rung=rung, reason=reason))

    assert score_case(case, answered_by("offline", "primary:server_error"), 5.0, {}).passed
    unfaulted = score_case(case, answered_by("primary", ""), 5.0, {})
    assert not unfaulted.passed and "not marked as a fallback" in unfaulted.failure
