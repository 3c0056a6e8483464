"""A low-confidence draft goes back to retrieve once, wider, while a wider search can still help and time remains."""

from datetime import timedelta

from libs.contracts.envelope import utcnow
from libs.contracts.questions import AnswerDrafted, AnswerStatus, CheckResult, GenerationInfo, RequestState, RetrievedChunk
from services.guardrail.retry import NAME, retry_of
from services.guardrail.service import final_answer
from services.guardrail.settings import GuardrailSettings

SETTINGS = GuardrailSettings()
INPUT_CHECK = CheckResult(check="prompt_injection_rules", passed=True)


def chunk(n: int) -> RetrievedChunk:
    return RetrievedChunk(chunk_id=f"doc#{n}", document_id="doc", source="doc.md", text=f"Passage {n}.", score=1 / n)


def draft(chunks: int = 5, top_k: int = 5, retries: int = 0, deadline_in_s: float = 30) -> AnswerDrafted:
    state = RequestState(question="What is the hotel cap?", reply_to="r", deadline=utcnow() + timedelta(seconds=deadline_in_s),
                         asked_at=utcnow() - timedelta(seconds=1), top_k=top_k, retries=retries, checks=[INPUT_CHECK],
                         stage_ms={"retrieve": 12.0})
    return AnswerDrafted(request_id="r1", tenant="acme", state=state, chunks=[chunk(n) for n in range(1, chunks + 1)],
                         answer="Something unsupported. [1]", citations=[], model="m")


def outcome(of: AnswerDrafted, status=AnswerStatus.ABSTAINED, reason="low_grounding"):
    grounding = CheckResult(check="grounding", passed=False, score=0.2, threshold=0.5)
    return final_answer(of.request_id, of.tenant, of.state.model_copy(update={"checks": [*of.state.checks, grounding]}),
                        status, "abstained", reason)


def test_a_low_grounding_abstention_is_searched_again_wider_with_the_decision_recorded():
    first = draft()
    again = retry_of(first, outcome(first), SETTINGS)
    assert again is not None and (again.request_id, again.tenant) == ("r1", "acme")
    assert (again.state.top_k, again.state.retries, again.state.question) == (10, 1, "What is the hotel cap?")
    assert [c.check for c in again.state.checks] == ["prompt_injection_rules", "grounding", NAME]
    assert again.state.checks[-1].detail == "attempt 1 would abstain (low_grounding): searching again with top_k 10"
    assert again.state.stage_ms["retrieve"] == 12.0 and again.state.stage_ms["attempt_1"] >= 1000


def test_no_supported_answer_is_retried_too_and_the_first_rung_is_kept_on_the_decision():
    first = draft().model_copy(update={"generation": GenerationInfo(rung="offline", reason="primary:server_error")})
    again = retry_of(first, outcome(first, reason="no_supported_answer"), SETTINGS)
    assert again.state.checks[-1].detail == ("attempt 1 would abstain (no_supported_answer; rung offline because "
                                             "primary:server_error): searching again with top_k 10")


def test_the_second_low_confidence_draft_abstains():
    second = draft(top_k=10, chunks=10, retries=1)
    assert retry_of(second, outcome(second), SETTINGS) is None
    assert retry_of(second, outcome(second), GuardrailSettings(low_confidence_retries=2)).state.top_k == 20


def test_retries_can_be_switched_off():
    first = draft()
    assert retry_of(first, outcome(first), GuardrailSettings(low_confidence_retries=0)) is None


def test_a_search_that_already_returned_fewer_chunks_than_asked_is_not_repeated():
    first = draft(chunks=3)
    assert retry_of(first, outcome(first), SETTINGS) is None


def test_the_widest_search_is_capped_and_not_repeated_at_the_cap():
    assert retry_of(draft(top_k=30, chunks=30), outcome(draft(top_k=30, chunks=30)), SETTINGS).state.top_k == 50
    at_cap = draft(top_k=50, chunks=50)
    assert retry_of(at_cap, outcome(at_cap), SETTINGS) is None


def test_no_retry_close_to_the_deadline():
    late = draft(deadline_in_s=2)
    assert retry_of(late, outcome(late), SETTINGS) is None
    assert retry_of(late, outcome(late), GuardrailSettings(retry_min_remaining_s=1)) is not None


def test_answers_blocks_and_other_abstentions_are_final():
    first = draft()
    assert retry_of(first, outcome(first, AnswerStatus.OK, ""), SETTINGS) is None
    assert retry_of(first, outcome(first, AnswerStatus.BLOCKED, "profanity"), SETTINGS) is None
    assert retry_of(first, outcome(first, reason="guardrail_error"), SETTINGS) is None
