"""Valid messages for every topic a service consumes, built from the contracts: what the fuzzer interleaves."""

from dataclasses import dataclass
from datetime import timedelta

from pydantic import BaseModel

from libs.contracts import topics
from libs.contracts.documents import SubmitDocument
from libs.contracts.envelope import Envelope, new_id, utcnow
from libs.contracts.questions import (
    AnswerCompleted, AnswerDrafted, AnswerStatus, AskQuestion, Citation, ContextRetrieved, QuestionScreened,
    RequestState, RetrievedChunk,
)

FACT = "The fuzz rig holds 12 valves. Each valve opens at 3 bar."


@dataclass(frozen=True)
class InputTopic:
    topic: str
    group: str  # the consumer group that must dead-letter what it cannot read
    model: type[BaseModel]
    answered_by: str | None  # where a valid message's outcome shows up (None: only "not dead-lettered")


INPUT_TOPICS = (
    InputTopic(topics.QUESTION_ASKED, "guardrail", AskQuestion, topics.DEFAULT_REPLIES),
    InputTopic(topics.QUESTION_SCREENED, "retrieve", QuestionScreened, topics.DEFAULT_REPLIES),
    InputTopic(topics.CONTEXT_RETRIEVED, "generate", ContextRetrieved, topics.DEFAULT_REPLIES),
    InputTopic(topics.ANSWER_DRAFTED, "guardrail", AnswerDrafted, topics.DEFAULT_REPLIES),
    InputTopic(topics.ANSWER_COMPLETED, "evaluate", AnswerCompleted, None),
    InputTopic(topics.DOCUMENT_SUBMITTED, "ingest", SubmitDocument, topics.DOCUMENT_INGESTED),
)


def valid_event(topic: str, tenant: str, question: str, deadline_s: float, request_id: str | None = None) -> Envelope:
    """A message the topic's consumer must process; its final outcome reaches the default reply topic."""
    request_id = request_id or new_id()
    envelope = {"request_id": request_id, "tenant": tenant}
    state = RequestState(question=question, reply_to=topics.DEFAULT_REPLIES, deadline=utcnow() + timedelta(seconds=deadline_s),
                         asked_at=utcnow())
    chunk = RetrievedChunk(chunk_id=f"fuzz-{request_id}-0", document_id="fuzz-rig", source="fuzz.md", text=FACT, score=0.9)
    build = {
        topics.QUESTION_ASKED: lambda: AskQuestion(**envelope, question=question, deadline=state.deadline),
        topics.QUESTION_SCREENED: lambda: QuestionScreened(**envelope, state=state),
        topics.CONTEXT_RETRIEVED: lambda: ContextRetrieved(**envelope, state=state, chunks=[chunk]),
        topics.ANSWER_DRAFTED: lambda: AnswerDrafted(
            **envelope, state=state, chunks=[chunk], answer="The fuzz rig holds 12 valves [1].", model="fuzz",
            citations=[Citation(document_id="fuzz-rig", chunk_id=chunk.chunk_id, source="fuzz.md", quote=FACT)]),
        topics.ANSWER_COMPLETED: lambda: AnswerCompleted(
            **envelope, status=AnswerStatus.OK, question=question, answer="12 valves."),
        topics.DOCUMENT_SUBMITTED: lambda: SubmitDocument(
            **envelope, document_id=f"fuzz/{request_id}", source="fuzz.md", text=f"# Fuzz rig\n\n{FACT}"),
    }
    return build[topic]()
