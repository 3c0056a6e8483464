"""Retrieval as plain functions over a retriever, and the wiring that builds the hybrid retriever."""

from typing import Protocol

from libs.contracts.questions import RetrievedChunk
from libs.retrieval.fusion import Candidate, ReciprocalRankFusion
from libs.retrieval.hybrid import DenseSearch, HybridRetriever
from libs.retrieval.tenant_indexes import LoadChunks, TenantLexicalIndexes
from libs.retrieval.tokens import TokenCounter
from services.retrieve.settings import RetrieveSettings


class Retriever(Protocol):
    def retrieve(self, tenant: str, question: str, k: int) -> list[Candidate]: ...


class ChunkStore(DenseSearch, Protocol):
    def tenant_chunks(self, tenant: str) -> list: ...


def retrieve(retriever: Retriever, tenant: str, question: str, k: int) -> list[RetrievedChunk]:
    return [
        RetrievedChunk(
            chunk_id=found.chunk.chunk_id,
            document_id=found.chunk.document_id,
            source=found.chunk.source,
            text=found.chunk.text,
            score=round(found.score, 6),
            heading_path=found.chunk.heading_path,
            dense_rank=found.dense_rank,
            lexical_rank=found.lexical_rank,
        )
        for found in retriever.retrieve(tenant, question, k)
    ]


def lexical_indexes(load: LoadChunks, settings: RetrieveSettings) -> TenantLexicalIndexes:
    return TenantLexicalIndexes(load, settings.bm25(), settings.bm25_max_age_s, settings.bm25_max_tenants,
                                include_flagged=settings.include_flagged_chunks)


def hybrid_retriever(store: ChunkStore, lexical: TenantLexicalIndexes, counter: TokenCounter,
                     settings: RetrieveSettings) -> HybridRetriever:
    return HybridRetriever(store, lexical, ReciprocalRankFusion(settings.rrf_k), counter, settings.retrieval())
