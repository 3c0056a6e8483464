"""What the guardrail records for Prometheus: every check's outcome, and each request's final answer once.

Labels stay few: tenant, status and reason codes, check names; never request ids or text.
"""

from libs.contracts.questions import AnswerCompleted, CheckResult
from libs.platform.metrics import ANSWER_LATENCY, ANSWERS_COMPLETED, GUARDRAIL_DECISIONS, counter, histogram
from services.guardrail import service


def outcome_of(check: CheckResult) -> str:
    if service.is_error(check):
        return "error"
    return "passed" if check.passed else "failed"


def record_checks(stage: str, checks: list[CheckResult]) -> None:
    """`stage` is "input" (the question) or "output" (the draft)."""
    for check in checks:
        counter(GUARDRAIL_DECISIONS).add(1, {"stage": stage, "check": check.check, "outcome": outcome_of(check)})


def record_answer(answer: AnswerCompleted) -> None:
    status = answer.status.value
    counter(ANSWERS_COMPLETED).add(1, {"status": status, "reason": answer.reason, "tenant": answer.tenant})
    histogram(ANSWER_LATENCY).record(answer.total_ms, {"status": status})
