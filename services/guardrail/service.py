"""Guardrail decisions as plain functions: no broker, no database."""

from libs.contracts.questions import (
    AnswerCompleted,
    AnswerDrafted,
    AnswerStatus,
    AskQuestion,
    CheckResult,
    Citation,
    RequestState,
    RetrievedRef,
)
from libs.contracts.envelope import utcnow

ABSTAIN_MESSAGE = "I could not find a supported answer to this question in the documents available to you."
BLOCKED_MESSAGE = "This question was not processed: {reason}."
EXPIRED_MESSAGE = "The deadline for this question passed before it could be answered."


def initial_state(ask: AskQuestion) -> RequestState:
    return RequestState(
        question=ask.question,
        reply_to=ask.reply_to,
        deadline=ask.deadline,
        asked_at=ask.occurred_at,
        variant=ask.variant,
        top_k=ask.top_k,
    )


def screen_question(ask: AskQuestion, max_chars: int) -> list[CheckResult]:
    return [
        CheckResult(
            check="question_length",
            passed=len(ask.question) <= max_chars,
            score=float(len(ask.question)),
            threshold=float(max_chars),
        )
    ]


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


def decide_output(draft: AnswerDrafted) -> AnswerCompleted:
    if draft.state.expired():
        return final_answer(draft.request_id, draft.tenant, draft.state, AnswerStatus.EXPIRED, EXPIRED_MESSAGE, "deadline_passed")
    citations, citation_check = check_citations(draft)
    state = draft.state.model_copy(update={"checks": [*draft.state.checks, citation_check]})
    usage = {
        "model": draft.model,
        "usage": draft.usage,
        "cost_usd": draft.cost_usd,
        "generation": draft.generation,
        "retrieved": [RetrievedRef(document_id=c.document_id, chunk_id=c.chunk_id, score=c.score) for c in draft.chunks],
        "context_text": "\n\n".join(c.text for c in draft.chunks),
    }
    if not draft.answer.strip() or not citations:
        return final_answer(
            draft.request_id, draft.tenant, state, AnswerStatus.ABSTAINED, ABSTAIN_MESSAGE, "no_supported_answer",
            citations=citations, **usage,
        )
    return final_answer(draft.request_id, draft.tenant, state, AnswerStatus.OK, draft.answer, citations=citations, **usage)
