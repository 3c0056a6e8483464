"""What both guardrail stages share: the initial state, final answers, citation check, error and span helpers."""

from collections.abc import Callable

from libs.contracts.envelope import utcnow
from libs.platform.telemetry import ATTR_GUARDRAIL_REASON
from libs.contracts.questions import AnswerCompleted, AnswerDrafted, AnswerStatus, AskQuestion, CheckResult, Citation, RequestState

ABSTAIN_MESSAGE = "I could not find a supported answer to this question in the documents available to you."
BLOCKED_MESSAGE = "This question was not processed: {reason}."
EXPIRED_MESSAGE = "The deadline for this question passed before it could be answered."
ERROR_PREFIX = "error: "


def initial_state(ask: AskQuestion, question: str) -> RequestState:
    """The state that travels on; `question` is the screened text (redacted unless the tenant allows PII)."""
    return RequestState(
        question=question, reply_to=ask.reply_to, deadline=ask.deadline, asked_at=ask.occurred_at,
        variant=ask.variant, top_k=ask.top_k,
    )


def check_citations(draft: AnswerDrafted) -> tuple[list[Citation], CheckResult]:
    """Keep only citations of chunks that were actually retrieved for this request."""
    retrieved = {chunk.chunk_id for chunk in draft.chunks}
    valid = [c for c in draft.citations if c.chunk_id in retrieved]
    dropped = len(draft.citations) - len(valid)
    return valid, CheckResult(
        check="citations_retrieved",
        passed=dropped == 0,
        score=float(dropped),
        threshold=0.0,
        detail=f"{dropped} citation(s) of chunks not retrieved were removed" if dropped else "",
    )


def final_answer(
    request_id: str, tenant: str, state: RequestState, status: AnswerStatus, answer: str, reason: str = "", **fields
) -> AnswerCompleted:
    return AnswerCompleted(
        request_id=request_id,
        tenant=tenant,
        status=status,
        question=state.question,
        answer=answer,
        reason=reason,
        variant=state.variant,
        stage_ms=state.stage_ms,
        total_ms=round((utcnow() - state.asked_at).total_seconds() * 1000, 2),
        checks=state.checks,
        **fields,
    )


def guarded(name: str, check: Callable[[], CheckResult]) -> CheckResult:
    """Runs a check; one that raises fails (closed) with the error type, never the text, in its detail."""
    try:
        return check()
    except Exception as error:
        return failed(name, error)


def failed(name: str, error: Exception) -> CheckResult:
    return CheckResult(check=name, passed=False, detail=f"{ERROR_PREFIX}{type(error).__name__}")


def is_error(check: CheckResult) -> bool:
    return not check.passed and check.detail.startswith(ERROR_PREFIX)


def span_attributes(checks: list[CheckResult], reason: str) -> dict:
    """The stage's span: every decision as ragbus.check.<name>.passed/.score/.threshold (each check also has its
    own child span, `services/guardrail/spans.py`), plus the reason."""
    attributes: dict = {ATTR_GUARDRAIL_REASON: reason}
    for check in checks:
        prefix = f"ragbus.check.{check.check}"
        attributes[f"{prefix}.passed"] = check.passed
        attributes |= {f"{prefix}.score": check.score} if check.score is not None else {}
        attributes |= {f"{prefix}.threshold": check.threshold} if check.threshold is not None else {}
    return attributes
