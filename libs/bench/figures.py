"""Latency summaries shared by the pipeline and in-process runs: percentiles overall, per stage, and single-pass.

A low-confidence draft goes back to retrieve once (the output guardrail's retry): such an answer crossed the
broker three more times than the raw chain, so the like-for-like comparison uses the single-pass answers.
"""

from collections import Counter

from libs.evaluation.metrics import percentile


def p50_p99(values: list[float]) -> dict:
    return {"p50_ms": _round(percentile(values, 50)), "p99_ms": _round(percentile(values, 99)), "n": len(values)}


def latency_summary(totals_ms: list[float], stage_ms: list[dict[str, float]], attempts: list[int],
                    statuses: list[str], models: list[str]) -> dict:
    """p50/p99 of every answer and of the single-pass ones, each stage's p50/p99, how many were retried."""
    single = [total for total, tries in zip(totals_ms, attempts) if tries <= 1]
    stages = sorted({stage for times in stage_ms for stage in times})
    return {
        **p50_p99(totals_ms),
        "single_pass": p50_p99(single),
        "retried": sum(1 for tries in attempts if tries > 1),
        "stages": {stage: p50_p99([times[stage] for times in stage_ms if stage in times]) for stage in stages},
        "statuses": dict(Counter(statuses)),
        "models": dict(Counter(models)),
    }


def attempts_of(stage_ms: dict[str, float]) -> int:
    """Attempts of a pipeline answer: the output guardrail records `attempt_<n>` for each one it sent back."""
    return 1 + sum(1 for stage in stage_ms if stage.startswith("attempt_"))


def ceiling(one_at_a_time: dict, all_workers: dict) -> dict:
    """The best the stage functions did on this machine: one worker alone, or one per core at once."""
    if one_at_a_time["answers_per_s"] >= all_workers["answers_per_s"]:
        return {"answers_per_s": one_at_a_time["answers_per_s"], "from": "one worker, one at a time"}
    return {"answers_per_s": all_workers["answers_per_s"], "from": f"{all_workers['workers']} workers at once"}


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)
