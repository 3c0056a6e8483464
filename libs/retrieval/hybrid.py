"""Hybrid retrieval: dense search in the vector store and BM25, both inside the tenant, then a reranker."""

from dataclasses import dataclass
from typing import Protocol

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
        return self._reranker.rerank(query, merge_rankings(self._dense_hits(tenant, query, k),
                                                           self._lexical_hits(tenant, query, k)), k)

    def _dense_hits(self, tenant: str, query: str, k: int) -> list:
        if not self.config.dense:
            return []
        n = max(k, self.config.dense_candidates)
        return [hit.chunk for hit in self._dense.search(tenant, query, n, self.config.include_flagged)]

    def _lexical_hits(self, tenant: str, query: str, k: int) -> list:
        if not self.config.lexical:
            return []
        n = max(k, self.config.lexical_candidates)
        return [hit.chunk for hit in self._lexical.search(tenant, query, n, self.config.query_expansion)]
