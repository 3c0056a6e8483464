"""Requests and settings for exercising the generate service's functions against the fake Anthropic server."""

from datetime import timedelta

from libs.contracts.envelope import new_id, utcnow
from libs.contracts.questions import ContextRetrieved, RequestState, RetrievedChunk

PRIMARY = "claude-sonnet-5-5"
SECONDARY = "claude-haiku-4-5"
SAMPLE_CHUNKS = (
    ("wheels#1", "The RW-200 reaction wheel weighs 0.95 kg. It is assembled in Munich."),
    ("travel#1", "Hotel stays are capped at 180 EUR per night. Trains are booked in second class."),
    ("leave#1", "Parental leave is 16 weeks at full pay. It can be split into two blocks."),
)


def chunk(chunk_id: str, text: str, score: float = 0.5) -> RetrievedChunk:
    document = chunk_id.split("#")[0]
    return RetrievedChunk(chunk_id=chunk_id, document_id=document, source=f"{document}.md", text=text, score=score)


def sample_chunks() -> list[RetrievedChunk]:
    return [chunk(chunk_id, text) for chunk_id, text in SAMPLE_CHUNKS]


def context_for(question: str, chunks: list[RetrievedChunk] | None = None, *, deadline_s: float = 20.0,
                tenant: str = "acme", variant: str = "default") -> ContextRetrieved:
    state = RequestState(question=question, reply_to="rag.replies.v1", deadline=utcnow() + timedelta(seconds=deadline_s),
                         asked_at=utcnow(), variant=variant)
    return ContextRetrieved(request_id=new_id(), tenant=tenant, state=state,
                            chunks=sample_chunks() if chunks is None else chunks)


def model_settings(base_url: str, **overrides) -> dict:
    """GenerateSettings fields for a fast test ladder against `base_url` (no backoff worth waiting for), with the
    in-process draft cache (no database needed; the PostgreSQL one is tested on its own)."""
    return {
        "anthropic_api_key": "test-key", "anthropic_base_url": base_url, "anthropic_model": PRIMARY,
        "anthropic_fallback_model": SECONDARY, "retry_initial_backoff_s": 0.01, "retry_max_backoff_s": 0.05,
        "breaker_fail_max": 3, "breaker_reset_timeout_s": 60.0, "tenant_daily_budget_usd": None,
        "cache_store": "memory", **overrides,
    }
