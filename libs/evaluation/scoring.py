"""Scores one case from its final answer: retrieval, context, answer quality and behaviour."""

from dataclasses import dataclass, field

from libs.contracts.questions import AnswerCompleted, AnswerStatus
from libs.evaluation import metrics
from libs.evaluation.cases import EvalCase, Expected

K = 5
STATUS_FOR = {Expected.ANSWER: AnswerStatus.OK, Expected.ABSTAIN: AnswerStatus.ABSTAINED, Expected.BLOCK: AnswerStatus.BLOCKED}
MIN_CORRECTNESS = 0.5


@dataclass
class CaseResult:
    case: EvalCase
    answer: AnswerCompleted
    latency_ms: float
    metrics: dict[str, float | None] = field(default_factory=dict)
    passed: bool = False
    failure: str = ""
    judge_spread: dict[str, float] = field(default_factory=dict)  # metric -> max - min of the judge's repeats


def retrieval_metrics(case: EvalCase, answer: AnswerCompleted) -> dict[str, float | None]:
    relevant = set(case.relevant_doc_ids)
    retrieved_docs = [ref.document_id for ref in answer.retrieved]
    ranked = metrics.ranked_documents(retrieved_docs)
    return {
        f"retrieval_precision_at_{K}": metrics.precision_at_k(ranked, relevant, K),
        f"retrieval_recall_at_{K}": metrics.recall_at_k(ranked, relevant, K),
        "retrieval_ndcg_at_10": metrics.ndcg_at_k(ranked, {doc: 1.0 for doc in relevant}, 10),
        "retrieval_mrr": metrics.reciprocal_rank(ranked, relevant),
        "context_precision": metrics.context_precision(retrieved_docs, relevant),
        "context_recall": metrics.fact_coverage(answer.context_text, case.key_facts),
    }


def answer_metrics(case: EvalCase, answer: AnswerCompleted, judged: dict[str, float | None]) -> dict[str, float | None]:
    answered = answer.status == AnswerStatus.OK
    return {
        "faithfulness": judged.get("faithfulness") if answered else None,
        "answer_relevance": judged.get("answer_relevance") if answered else None,
        "correctness": metrics.fact_coverage(answer.answer if answered else "", case.key_facts),
    }


def verdict(case: EvalCase, answer: AnswerCompleted, correctness: float | None) -> tuple[bool, str]:
    expected_status = STATUS_FOR[case.expected]
    if answer.status != expected_status:
        return False, f"expected {expected_status.value}, got {answer.status.value}"
    if case.expected == Expected.ANSWER and (correctness or 0.0) < MIN_CORRECTNESS:
        return False, f"key facts missing (correctness {correctness})"
    if case.model_fault and (answer.generation is None or answer.generation.rung == "primary" or not answer.generation.reason):
        rung = answer.generation.rung if answer.generation else "none"
        return False, f"model API faulted ({case.model_fault}) but the answer is not marked as a fallback (rung {rung})"
    return True, ""


def score_case(case: EvalCase, answer: AnswerCompleted, latency_ms: float, judged: dict[str, float | None],
               judge_spread: dict[str, float] | None = None) -> CaseResult:
    values = {**retrieval_metrics(case, answer), **answer_metrics(case, answer, judged)}
    passed, failure = verdict(case, answer, values["correctness"])
    values["behaviour_correct"] = 1.0 if answer.status == STATUS_FOR[case.expected] else 0.0
    return CaseResult(case=case, answer=answer, latency_ms=latency_ms, metrics=values, passed=passed, failure=failure,
                      judge_spread=judge_spread or {})
