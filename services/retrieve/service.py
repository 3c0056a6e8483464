"""Retrieval as plain functions over a retriever, and the wiring that builds the hybrid retriever."""

import asyncio
from typing import Protocol

from libs.contracts.questions import RetrievedChunk
from libs.platform import telemetry
from libs.platform.telemetry import tracer
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


async def search(retriever: Retriever, tenant: str, question: str, k: int) -> list[RetrievedChunk]:
    """`retrieve` in a worker thread (the embedder, Chroma and BM25 block) inside the stage's span.

    `asyncio.to_thread` runs the call in a copy of the current context, so the spans the retriever opens
    there (embedding, dense search, BM25, fusion) are children of this one, in the request's trace.
    """
    attributes = {telemetry.ATTR_TENANT: tenant, telemetry.ATTR_K: k}
    with tracer().start_as_current_span(telemetry.RETRIEVE_SEARCH, attributes=attributes) as span:
        chunks = await asyncio.to_thread(retrieve, retriever, tenant, question, k)
        span.set_attribute(telemetry.ATTR_CHUNKS, len(chunks))
        return chunks


def lexical_indexes(load: LoadChunks, settings: RetrieveSettings) -> TenantLexicalIndexes:
    return TenantLexicalIndexes(load, settings.bm25(), settings.bm25_max_age_s, settings.bm25_max_tenants,
                                include_flagged=settings.include_flagged_chunks)


def hybrid_retriever(store: ChunkStore, lexical: TenantLexicalIndexes, counter: TokenCounter,
                     settings: RetrieveSettings) -> HybridRetriever:
    return HybridRetriever(store, lexical, ReciprocalRankFusion(settings.rrf_k), counter, settings.retrieval())
