"""Aggregates case results into the run's metrics (definitions: eval/METRICS.md)."""

from collections import defaultdict
from statistics import fmean

from libs.evaluation import metrics
from libs.contracts.questions import GenerationInfo
from libs.evaluation.cases import Expected
from libs.evaluation.scoring import MIN_CORRECTNESS, CaseResult

PATIENCE_MS = 10_000
STAGES = ("guardrail_in", "retrieve", "generate", "guardrail_out")


def mean_of(results: list[CaseResult], metric: str) -> float | None:
    values = [r.metrics.get(metric) for r in results]
    measured = [v for v in values if v is not None]
    return round(fmean(measured), 4) if measured else None


def share(flags: list[bool]) -> float | None:
    return round(sum(flags) / len(flags), 4) if flags else None


def satisfied(result: CaseResult) -> bool:
    """User-satisfaction proxy: the right behaviour, and for answers the key facts, supported, in time."""
    if not result.metrics["behaviour_correct"] or result.latency_ms > PATIENCE_MS:
        return False
    if result.case.expected != Expected.ANSWER:
        return True
    faithful = result.metrics["faithfulness"]
    return (result.metrics["correctness"] or 0.0) >= MIN_CORRECTNESS and (faithful is None or faithful >= 0.5)


QUALITY_METRICS = (
    "retrieval_precision_at_5", "retrieval_recall_at_5", "retrieval_ndcg_at_10", "retrieval_mrr",
    "context_precision", "context_recall", "faithfulness", "answer_relevance", "correctness",
)


def quality(results: list[CaseResult]) -> dict[str, float | None]:
    values = {metric: mean_of(results, metric) for metric in QUALITY_METRICS}
    values["behaviour_accuracy"] = mean_of(results, "behaviour_correct")
    values["abstain_accuracy"] = mean_of([r for r in results if r.case.expected == Expected.ABSTAIN], "behaviour_correct")
    values["block_accuracy"] = mean_of([r for r in results if r.case.expected == Expected.BLOCK], "behaviour_correct")
    values["satisfaction"] = share([satisfied(r) for r in results])
    values["pass_rate"] = share([r.passed for r in results])
    return values


def latency_and_cost(results: list[CaseResult]) -> dict[str, float | None]:
    end_to_end = [r.latency_ms for r in results]
    answered = [r for r in results if r.answer.status == "ok"]
    values = {"latency_p50_ms": metrics.percentile(end_to_end, 50), "latency_p99_ms": metrics.percentile(end_to_end, 99)}
    for stage in STAGES:
        stage_values = [r.answer.stage_ms[stage] for r in results if stage in r.answer.stage_ms]
        values[f"{stage}_p50_ms"] = metrics.percentile(stage_values, 50)
        values[f"{stage}_p99_ms"] = metrics.percentile(stage_values, 99)
    values["cost_per_answer_usd"] = round(fmean(r.answer.cost_usd for r in answered), 6) if answered else None
    values["cost_total_usd"] = round(sum(r.answer.cost_usd for r in results), 6)
    return values


def by_category(results: list[CaseResult]) -> dict[str, dict]:
    groups: dict[str, list[CaseResult]] = defaultdict(list)
    for result in results:
        groups[result.case.category].append(result)
    return {
        category: {"cases": len(group), **{k: v for k, v in quality(group).items() if v is not None}}
        for category, group in sorted(groups.items())
    }


def judge_spread(results: list[CaseResult]) -> dict[str, dict]:
    """Per judged metric, over the cases the judge measured more than once: the mean and the largest spread."""
    spreads: dict[str, list[float]] = defaultdict(list)
    for result in results:
        for metric, spread in result.judge_spread.items():
            spreads[metric].append(spread)
    return {
        metric: {"cases": len(values), "mean": round(fmean(values), 4), "max": round(max(values), 4)}
        for metric, values in spreads.items()
    }


def latency_series(results: list[CaseResult]) -> dict:
    return {
        "end_to_end": [round(r.latency_ms, 2) for r in results],
        "stages": {stage: [r.answer.stage_ms[stage] for r in results if stage in r.answer.stage_ms] for stage in STAGES},
    }


def prompt_of(generation: GenerationInfo) -> str:
    return f"{generation.prompt_variant}@{generation.prompt_version}"


def prompts_used(results: list[CaseResult]) -> list[str]:
    """Prompt files (variant@version) that drafted the run's answers, so a baseline names the prompt it measured."""
    return sorted({prompt_of(r.answer.generation) for r in results if r.answer.generation})


def case_rows(results: list[CaseResult]) -> list[dict]:
    return [
        {
            "id": r.case.id, "tenant": r.case.tenant, "category": r.case.category, "expected": r.case.expected.value,
            "status": r.answer.status.value, "passed": r.passed, "failure": r.failure, "question": r.case.question[:500],
            "answer": r.answer.answer, "citations": [c.document_id for c in r.answer.citations],
            "metrics": {k: (round(v, 4) if v is not None else None) for k, v in r.metrics.items()},
            "latency_ms": round(r.latency_ms, 2), "cost_usd": r.answer.cost_usd, "request_id": r.answer.request_id,
            "judge_spread": r.judge_spread, "model_fault": r.case.model_fault,
            "rung": r.answer.generation.rung if r.answer.generation else None,
            "prompt": prompt_of(r.answer.generation) if r.answer.generation else None,
            "rung_reason": r.answer.generation.reason if r.answer.generation else None,
            "retry_detail": "; ".join(c.detail for c in r.answer.checks if c.check == "low_confidence_retry"),
        }
        for r in results
    ]
