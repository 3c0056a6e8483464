"""The evaluation gate, run through the real pipeline: the baseline configuration passes, a degraded one fails."""

import pytest

from libs.evaluation.cases import load_cases
from libs.evaluation.gate import compare, load_baseline
from libs.evaluation.judges import OfflineJudge
from libs.evaluation.model_outage import stack_outage
from libs.evaluation.runner import run_eval

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def baseline():
    committed = load_baseline()
    assert committed is not None, "eval/baseline.json is missing: run `make eval-baseline` and commit it"
    return committed


async def test_the_committed_configuration_passes_the_gate(stack, baseline):
    result = await run_eval(stack.config.bootstrap_servers, load_cases(), OfflineJudge(), outage=stack_outage(stack))
    verdict = compare(result, baseline)
    assert verdict["passed"], verdict
    assert result["run"]["cases"] >= 50 and result["run"]["skipped"] == []
    faulted = [row for row in result["cases"] if row["model_fault"]]
    assert len(faulted) >= 2, "the eval set has model-fault cases"
    for row in faulted:  # answered or abstained, never failed, and from the offline rung with the reason recorded
        assert row["status"] in {"ok", "abstained"} and row["rung"] == "offline", row
        first_attempt = row["retry_detail"]  # a low-confidence retry ran after the fault, with the breaker open
        assert f"primary:{row['model_fault']}" in row["rung_reason"] + first_attempt, row


async def test_a_generator_that_never_answers_fails_the_gate(stack, baseline):
    await_restart = stack.restart_service
    try:
        await_restart("generate", {"EXTRACTIVE_MIN_OVERLAP": "1.01"})
        result = await run_eval(stack.config.bootstrap_servers, load_cases(), OfflineJudge())
    finally:
        await_restart("generate")
    verdict = compare(result, baseline)
    assert not verdict["passed"]
    assert "correctness" in {r["metric"] for r in verdict["regressions"]}
    assert verdict["newly_failing_cases"]
