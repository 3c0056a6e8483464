"""Low confidence, once more with a wider search: a draft the output stage would abstain on for lack of support
goes back to retrieve with top_k widened, instead of abstaining at once.

Only when a wider search can find something new (the first one returned all it was asked for), the request has
retries left and enough time remains before its deadline; otherwise the abstention stands. The decision is a
check on the request (`low_confidence_retry`), so the final answer shows both attempts' checks, and the rung
that served the first draft.
"""

from libs.contracts.envelope import utcnow
from libs.contracts.questions import MAX_TOP_K, AnswerCompleted, AnswerDrafted, AnswerStatus, CheckResult, QuestionScreened
from libs.platform import telemetry
from libs.platform.telemetry import tracer
from services.guardrail.settings import GuardrailSettings

NAME = "low_confidence_retry"
LOW_CONFIDENCE = frozenset({"low_grounding", "no_supported_answer"})


def retry_of(draft: AnswerDrafted, answer: AnswerCompleted, settings: GuardrailSettings) -> QuestionScreened | None:
    """The request again, wider, or None when `answer` is final. A low-confidence abstention is decided in a span."""
    if answer.status != AnswerStatus.ABSTAINED or answer.reason not in LOW_CONFIDENCE:
        return None
    state = draft.state
    wider = min(state.top_k * settings.retry_top_k_factor, MAX_TOP_K)
    withheld_by = _withheld_by(draft, settings, wider)
    attributes = {telemetry.ATTR_CHECK: NAME, telemetry.ATTR_SCORE: float(state.retries + 1),
                  telemetry.ATTR_THRESHOLD: float(settings.low_confidence_retries), telemetry.ATTR_GUARDRAIL_REASON: answer.reason,
                  telemetry.ATTR_DECISION: telemetry.DECISION_ABSTAIN if withheld_by else telemetry.DECISION_RETRY}
    with tracer().start_as_current_span(telemetry.GUARDRAIL_LOW_CONFIDENCE, attributes=attributes) as span:
        if withheld_by:
            span.set_attribute(telemetry.ATTR_RETRY_WITHHELD, withheld_by)
            return None
        return _wider(draft, answer, settings, wider)


def _withheld_by(draft: AnswerDrafted, settings: GuardrailSettings, wider: int) -> str:
    """Why a wider search is not tried: "" when it is."""
    state = draft.state
    if state.retries >= settings.low_confidence_retries:
        return "no_retries_left"
    if (state.deadline - utcnow()).total_seconds() < settings.retry_min_remaining_s:
        return "deadline"
    if len(draft.chunks) < state.top_k or wider <= state.top_k:
        return "search_exhausted"
    return ""


def _wider(draft: AnswerDrafted, answer: AnswerCompleted, settings: GuardrailSettings, wider: int) -> QuestionScreened:
    state = draft.state
    decision = CheckResult(check=NAME, passed=False, score=float(state.retries + 1), threshold=float(settings.low_confidence_retries),
                           detail=f"attempt {state.retries + 1} would abstain ({answer.reason}{_served_by(draft)}): "
                                  f"searching again with top_k {wider}")
    elapsed_ms = (utcnow() - state.asked_at).total_seconds() * 1000
    again = state.model_copy(update={
        "top_k": wider, "retries": state.retries + 1, "checks": [*answer.checks, decision],
        "stage_ms": {**answer.stage_ms, f"attempt_{state.retries + 1}": round(elapsed_ms, 2)},
    })
    return QuestionScreened(**draft.envelope_for_next(), state=again)


def _served_by(draft: AnswerDrafted) -> str:
    """The first attempt's rung and its reason: the final answer's `generation` describes the last attempt only."""
    generation = draft.generation
    if generation is None:
        return ""
    return f"; rung {generation.rung}" + (f" because {generation.reason}" if generation.reason else "")
