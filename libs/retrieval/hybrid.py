"""Hybrid retrieval: dense search in the vector store and BM25, both inside the tenant, then a reranker.

Each step is a span (names in `libs.platform.telemetry`), children of the caller's current span: the
retrieve stage runs this in a worker thread through `asyncio.to_thread`, which carries the context along.
"""

from dataclasses import dataclass
from typing import Protocol

from libs.platform import telemetry
from libs.platform.telemetry import tracer
from libs.retrieval.fusion import Candidate, Reranker, merge_rankings
from libs.retrieval.query import focus_query
from libs.retrieval.tokens import TokenCounter
from libs.stores.chunks import ScoredChunk


class DenseSearch(Protocol):
    def search(self, tenant: str, query: str, k: int, include_flagged: bool = False) -> list[ScoredChunk]: ...


class LexicalSearch(Protocol):
    def search(self, tenant: str, query: str, k: int, expand: bool = False) -> list[ScoredChunk]: ...


@dataclass(frozen=True)
class RetrievalConfig:
    dense: bool = True
    lexical: bool = True
    dense_candidates: int = 30
    lexical_candidates: int = 30
    query_expansion: bool = False
    focus_tokens: int = 64
    include_flagged: bool = False  # chunks the ingest injection scan flagged; the BM25 side is set on its indexes


class HybridRetriever:
    def __init__(self, dense: DenseSearch, lexical: LexicalSearch, reranker: Reranker, counter: TokenCounter,
                 config: RetrievalConfig = RetrievalConfig()) -> None:
        self._dense, self._lexical, self._reranker, self._counter, self.config = dense, lexical, reranker, counter, config

    def retrieve(self, tenant: str, question: str, k: int) -> list[Candidate]:
        query = focus_query(question, self._counter, self.config.focus_tokens)
        dense, lexical = self._dense_hits(tenant, query, k), self._lexical_hits(tenant, query, k)
        with tracer().start_as_current_span(telemetry.RETRIEVE_FUSION, attributes=self._fusing(tenant, k)) as span:
            candidates = merge_rankings(dense, lexical)
            ranked = self._reranker.rerank(query, candidates, k)
            span.set_attributes({telemetry.ATTR_CANDIDATES: len(candidates),
                                 telemetry.ATTR_CANDIDATES_RETURNED: len(ranked)})
            return ranked

    def _fusing(self, tenant: str, k: int) -> dict:
        return {telemetry.ATTR_TENANT: tenant, telemetry.ATTR_K: k, "ragbus.reranker": type(self._reranker).__name__}

    def _dense_hits(self, tenant: str, query: str, k: int) -> list:
        if not self.config.dense:
            return []
        n = max(k, self.config.dense_candidates)
        with tracer().start_as_current_span(telemetry.RETRIEVE_DENSE, attributes=_asked(tenant, n)) as span:
            hits = self._dense.search(tenant, query, n, self.config.include_flagged)
            span.set_attributes({telemetry.ATTR_CANDIDATES_RETURNED: len(hits),
                                 "ragbus.retrieval.include_flagged": self.config.include_flagged})
        return [hit.chunk for hit in hits]

    def _lexical_hits(self, tenant: str, query: str, k: int) -> list:
        if not self.config.lexical:
            return []
        n = max(k, self.config.lexical_candidates)
        with tracer().start_as_current_span(telemetry.RETRIEVE_BM25, attributes=_asked(tenant, n)) as span:
            hits = self._lexical.search(tenant, query, n, self.config.query_expansion)
            span.set_attributes({telemetry.ATTR_CANDIDATES_RETURNED: len(hits),
                                 "ragbus.retrieval.query_expansion": self.config.query_expansion})
        return [hit.chunk for hit in hits]


def _asked(tenant: str, candidates: int) -> dict:
    return {telemetry.ATTR_TENANT: tenant, telemetry.ATTR_CANDIDATES_REQUESTED: candidates}
