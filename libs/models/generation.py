"""The generator interface and what a generator returns."""

from dataclasses import dataclass, field
from typing import Protocol

from libs.contracts.questions import Citation, RetrievedChunk, TokenUsage
from libs.models.billing import Billing


@dataclass(frozen=True)
class Draft:
    answer: str
    citations: list[Citation]
    model: str
    usage: TokenUsage = field(default_factory=TokenUsage)
    cost_usd: float = 0.0
    billing: Billing | None = None  # the model call that wrote it, priced exactly (None: no model call)


class Generator(Protocol):
    async def generate(self, question: str, chunks: list[RetrievedChunk]) -> Draft: ...


def cite(chunk: RetrievedChunk, quote: str) -> Citation:
    return Citation(document_id=chunk.document_id, chunk_id=chunk.chunk_id, source=chunk.source, quote=quote)
