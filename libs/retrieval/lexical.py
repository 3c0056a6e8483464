"""BM25 over one tenant's chunks (bm25s), with optional pseudo-relevance-feedback query expansion."""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import bm25s
import numpy as np

from libs.retrieval.analysis import analyzer
from libs.stores.chunks import Chunk, ScoredChunk


@dataclass(frozen=True)
class Bm25Config:
    k1: float = 0.9
    b: float = 0.4
    stem: bool = False
    expansion_documents: int = 3
    expansion_terms: int = 5


class LexicalIndex:
    def __init__(self, chunks: Sequence[Chunk], config: Bm25Config = Bm25Config()) -> None:
        self.chunks = list(chunks)
        self._config = config
        self._analyze = analyzer(config.stem)
        self._terms = [self._analyze(chunk.text) or [""] for chunk in self.chunks]
        self._bm25 = bm25s.BM25(k1=config.k1, b=config.b)
        if self.chunks:
            self._bm25.index(self._terms, show_progress=False)

    def search(self, query: str, k: int, expand: bool = False) -> list[ScoredChunk]:
        query_terms = self._analyze(query)
        if expand:
            query_terms += self.expansion_terms(query_terms)
        return [ScoredChunk(self.chunks[n], score) for n, score in self._top(query_terms, k)]

    def expansion_terms(self, query_terms: list[str]) -> list[str]:
        """Terms most shared by the top documents (pseudo-relevance feedback), not already in the query."""
        top = self._top(query_terms, self._config.expansion_documents)
        shared = Counter(term for n, _ in top for term in set(self._terms[n]) if term and term not in query_terms)
        return [term for term, count in shared.most_common(self._config.expansion_terms) if count > 1]

    def _top(self, query_terms: list[str], k: int) -> list[tuple[int, float]]:
        if not self.chunks or not query_terms or k <= 0:
            return []
        scores = self._bm25.get_scores(query_terms)
        best = np.argsort(-scores, kind="stable")[:k]
        return [(int(n), float(scores[n])) for n in best if scores[n] > 0]
