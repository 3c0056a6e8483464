from datetime import timedelta

from libs.contracts.envelope import utcnow
from libs.contracts.questions import AnswerDrafted, AnswerStatus, Citation, RequestState, RetrievedChunk
from services.guardrail.service import decide_output


def draft(citations: list[Citation], deadline_in_s: float = 30, answer: str = "The cap is 180 EUR. [1]") -> AnswerDrafted:
    state = RequestState(question="cap?", reply_to="r", deadline=utcnow() + timedelta(seconds=deadline_in_s), asked_at=utcnow())
    chunks = [RetrievedChunk(chunk_id="travel#1", document_id="travel", source="travel.md", text="The cap is 180 EUR.", score=0.9)]
    return AnswerDrafted(request_id="r1", tenant="acme", state=state, chunks=chunks, answer=answer, citations=citations, model="m")


RETRIEVED = Citation(document_id="travel", chunk_id="travel#1", source="travel.md")
NOT_RETRIEVED = Citation(document_id="secret", chunk_id="secret#9", source="secret.md")


def test_an_answer_citing_retrieved_chunks_passes():
    answer = decide_output(draft([RETRIEVED]))
    assert answer.status == AnswerStatus.OK
    assert answer.citations == [RETRIEVED]


def test_citations_of_chunks_not_retrieved_are_removed_and_recorded():
    answer = decide_output(draft([RETRIEVED, NOT_RETRIEVED]))
    assert answer.citations == [RETRIEVED]
    check = next(c for c in answer.checks if c.check == "citations_retrieved")
    assert not check.passed and check.score == 1.0


def test_an_answer_with_no_valid_citation_is_abstained():
    answer = decide_output(draft([NOT_RETRIEVED]))
    assert answer.status == AnswerStatus.ABSTAINED
    assert answer.citations == []


def test_a_draft_past_its_deadline_is_expired():
    answer = decide_output(draft([RETRIEVED], deadline_in_s=-1))
    assert answer.status == AnswerStatus.EXPIRED
