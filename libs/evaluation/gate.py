"""The regression gate: a run fails when a quality metric drops beyond its margin, or a passing case fails."""

import json
from pathlib import Path

from libs.evaluation.summary import QUALITY_METRICS

BASELINE_FILE = Path("eval/baseline.json")
GATED_METRICS = (*QUALITY_METRICS, "behaviour_accuracy", "abstain_accuracy", "block_accuracy", "satisfaction", "pass_rate")
DEFAULT_MARGIN = 0.02
JUDGED_METRICS = ("faithfulness", "answer_relevance", "satisfaction")  # satisfaction reads faithfulness


def judge_of(run: dict) -> dict:
    return {k: run["judge"][k] for k in ("name", "version")} if "judge" in run else {}


def compared_metrics(result: dict, baseline: dict) -> tuple[dict, dict | None]:
    """The baseline metrics this run can be held to: another judge's scores are another scale, not a regression."""
    now, before = judge_of(result.get("run", {})), baseline.get("judge", {})
    if not now or not before or now == before:
        return baseline["metrics"], None
    skipped = [m for m in JUDGED_METRICS if m in baseline["metrics"]]
    reason = f"judge {now['name']} v{now['version']} is not the baseline's {before['name']} v{before['version']}"
    return {m: v for m, v in baseline["metrics"].items() if m not in skipped}, {"metrics": skipped, "reason": reason}


def baseline_from(result: dict, margin: float = DEFAULT_MARGIN) -> dict:
    return {
        "eval_version": result["run"]["eval_version"],
        "judge": judge_of(result["run"]),
        "generators": result["run"].get("generators", []),  # what was measured: a review sees a model or
        "prompts": result["run"].get("prompts", []),  # prompt change in the baseline's diff
        "margin": margin,
        "metrics": {m: result["metrics"].get(m) for m in GATED_METRICS},
        "passing_cases": sorted(case["id"] for case in result["cases"] if case["passed"]),
    }


def compare(result: dict, baseline: dict) -> dict:
    margin = baseline.get("margin", DEFAULT_MARGIN)
    gated, not_compared = compared_metrics(result, baseline)
    regressions = []
    for metric, before in gated.items():
        now = result["metrics"].get(metric)
        if before is not None and (now is None or now < before - margin):
            regressions.append({"metric": metric, "baseline": before, "now": now, "margin": margin})
    passing_now = {case["id"] for case in result["cases"] if case["passed"]}
    known = {case["id"] for case in result["cases"]}
    newly_failing = sorted(c for c in baseline["passing_cases"] if c in known and c not in passing_now)
    verdict = {"passed": not regressions and not newly_failing, "regressions": regressions,
               "newly_failing_cases": newly_failing}
    return verdict | ({"not_compared": not_compared} if not_compared else {})


def load_baseline(path: Path = BASELINE_FILE) -> dict | None:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def write_baseline(result: dict, path: Path = BASELINE_FILE, margin: float = DEFAULT_MARGIN) -> None:
    path.write_text(json.dumps(baseline_from(result, margin), indent=2, sort_keys=True) + "\n", encoding="utf-8")
