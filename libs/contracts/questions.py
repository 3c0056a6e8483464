"""Messages of the question → answer flow (rag.* topics)."""

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from libs.contracts.envelope import Envelope, utcnow
from libs.contracts.topics import DEFAULT_REPLIES

MAX_TOP_K = 50  # chunks one request may ask for; a low-confidence retry widens up to it


class AskQuestion(Envelope):
    """A product service asks a question (rag.question-asked.v1); the answer goes to `reply_to`."""

    question: str = Field(min_length=1, description="The user's question, as typed.")
    reply_to: str = Field(default=DEFAULT_REPLIES, pattern=r"^[A-Za-z0-9._-]{1,200}$")
    deadline: datetime = Field(description="Nobody waits for the answer after this instant.")
    variant: str = Field(default="default", max_length=64, description="Prompt/model variant.")
    top_k: int = Field(default=5, ge=1, le=MAX_TOP_K)


class CheckResult(BaseModel):
    """One guardrail decision, kept on the answer so every block or abstain explains itself."""

    model_config = ConfigDict(frozen=True)
    check: str
    passed: bool
    score: float | None = None
    threshold: float | None = None
    detail: str = ""


class RequestState(BaseModel):
    """What travels with a request through every stage."""

    model_config = ConfigDict(frozen=True)
    question: str
    reply_to: str
    deadline: datetime
    asked_at: datetime
    variant: str = "default"
    top_k: int = 5
    stage_ms: dict[str, float] = Field(default_factory=dict)
    checks: list[CheckResult] = Field(default_factory=list)
    retries: int = Field(default=0, ge=0, description="Times the output guardrail sent the request back to retrieve after a low-confidence draft.")

    def expired(self) -> bool:
        return utcnow() >= self.deadline

    def with_stage(self, stage: str, elapsed_ms: float, checks: list[CheckResult] = ()) -> "RequestState":
        return self.model_copy(
            update={"stage_ms": {**self.stage_ms, stage: round(elapsed_ms, 2)}, "checks": [*self.checks, *checks]}
        )


class QuestionScreened(Envelope):
    """The input guardrail let the question through (rag.question-screened.v1)."""

    state: RequestState


class RetrievedChunk(BaseModel):
    model_config = ConfigDict(frozen=True)
    chunk_id: str
    document_id: str
    source: str
    text: str
    score: float
    heading_path: str = Field(default="", description="Headings above the chunk (\"Title > Section\"); its text starts with them.")
    dense_rank: int | None = Field(default=None, description="1-based rank in the vector search, if found there.")
    lexical_rank: int | None = Field(default=None, description="1-based rank in the BM25 search, if found there.")


class ContextRetrieved(Envelope):
    """Top chunks for the question, found inside the tenant (rag.context-retrieved.v1)."""

    state: RequestState
    chunks: list[RetrievedChunk]


class Citation(BaseModel):
    model_config = ConfigDict(frozen=True)
    document_id: str
    chunk_id: str
    source: str
    quote: str = Field(default="", description="The cited passage, so the answer can be checked.")


class TokenUsage(BaseModel):
    model_config = ConfigDict(frozen=True)
    input_tokens: int = 0
    output_tokens: int = 0


class GenerationInfo(BaseModel):
    """How the draft was produced: which rung of the fallback ladder, why, and what the budget dropped."""

    model_config = ConfigDict(frozen=True)
    rung: str = Field(description="Ladder rung that served the draft, e.g. primary, secondary, offline.")
    reason: str = Field(default="", description="Why a lower rung served it (breaker open, API error...).")
    cache_hit: bool = False
    prompt_variant: str = Field(default="default", description="Id of the prompt file the draft was asked with.")
    prompt_version: int = Field(default=0, description="Version of that prompt file; 0: not recorded (older drafts).")
    context_tokens: int = 0
    token_counter: str = Field(default="", description="How tokens were counted (which local estimate).")
    dropped_chunk_ids: list[str] = Field(default_factory=list, description="Chunks the context budget left out.")
    attempts: int = 1


class AnswerDrafted(Envelope):
    """The generator's draft, not yet checked (rag.answer-drafted.v1)."""

    state: RequestState
    chunks: list[RetrievedChunk]
    answer: str
    citations: list[Citation]
    model: str
    usage: TokenUsage = Field(default_factory=TokenUsage)
    cost_usd: float = 0.0
    generation: GenerationInfo | None = None


class RetrievedRef(BaseModel):
    """Which chunk retrieval returned, at which rank: kept on the answer for evaluation and audit."""

    model_config = ConfigDict(frozen=True)
    document_id: str
    chunk_id: str
    score: float


class AnswerStatus(StrEnum):
    OK = "ok"
    ABSTAINED = "abstained"
    BLOCKED = "blocked"
    FAILED = "failed"
    EXPIRED = "expired"


class AnswerCompleted(Envelope):
    """The final answer (rag.answer-completed.v1 and the asker's reply topic). Exactly one per request."""

    status: AnswerStatus
    question: str
    answer: str
    reason: str = Field(default="", description="Why the status is not ok, as a reason code.")
    citations: list[Citation] = Field(default_factory=list)
    model: str = ""
    usage: TokenUsage = Field(default_factory=TokenUsage)
    cost_usd: float = 0.0
    variant: str = "default"
    stage_ms: dict[str, float] = Field(default_factory=dict)
    total_ms: float = 0.0
    checks: list[CheckResult] = Field(default_factory=list)
    generation: GenerationInfo | None = None
    warnings: list[str] = Field(default_factory=list, description="Things the reader should know, e.g. conflicting sources.")
    retrieved: list[RetrievedRef] = Field(default_factory=list, description="Retrieved chunks, best first.")
    context_text: str = Field(default="", description="The retrieved text the answer was drafted from.")
    trace_id: str = ""
