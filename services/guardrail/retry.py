"""Low confidence, once more with a wider search: a draft the output stage would abstain on for lack of support
goes back to retrieve with top_k widened, instead of abstaining at once.

Only when a wider search can find something new (the first one returned all it was asked for), the request has
retries left and enough time remains before its deadline; otherwise the abstention stands. The decision is a
check on the request (`low_confidence_retry`), so the final answer shows both attempts' checks, and the rung
that served the first draft.
"""

from libs.contracts.envelope import utcnow
from libs.contracts.questions import MAX_TOP_K, AnswerCompleted, AnswerDrafted, AnswerStatus, CheckResult, QuestionScreened
from services.guardrail.settings import GuardrailSettings

NAME = "low_confidence_retry"
LOW_CONFIDENCE = frozenset({"low_grounding", "no_supported_answer"})


def retry_of(draft: AnswerDrafted, answer: AnswerCompleted, settings: GuardrailSettings) -> QuestionScreened | None:
    """The request again, wider, or None when `answer` is final."""
    state = draft.state
    wider = min(state.top_k * settings.retry_top_k_factor, MAX_TOP_K)
    remaining_s = (state.deadline - utcnow()).total_seconds()
    if (answer.status != AnswerStatus.ABSTAINED or answer.reason not in LOW_CONFIDENCE
            or state.retries >= settings.low_confidence_retries or remaining_s < settings.retry_min_remaining_s
            or len(draft.chunks) < state.top_k or wider <= state.top_k):
        return None
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
