"""Retrieval as a plain function over a chunk index."""

from typing import Protocol

from libs.contracts.questions import RetrievedChunk
from libs.stores.chunks import ScoredChunk


class ChunkSearch(Protocol):
    def search(self, tenant: str, query: str, k: int) -> list[ScoredChunk]: ...


def retrieve(index: ChunkSearch, tenant: str, question: str, k: int) -> list[RetrievedChunk]:
    return [
        RetrievedChunk(
            chunk_id=hit.chunk.chunk_id,
            document_id=hit.chunk.document_id,
            source=hit.chunk.source,
            text=hit.chunk.text,
            score=round(hit.score, 4),
        )
        for hit in index.search(tenant, question, k)
    ]
