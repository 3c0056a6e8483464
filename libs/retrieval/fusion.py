"""Candidates from the dense and the lexical search, and the `Reranker` that orders them.

The default reranker is reciprocal rank fusion (Cormack et al. 2009): score = Σ weight / (k + rank) over
the searches that found the chunk. A cross-encoder would implement the same Protocol; none ships offline.
"""

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from libs.stores.chunks import Chunk


@dataclass(frozen=True)
class Candidate:
    chunk: Chunk
    score: float = 0.0
    dense_rank: int | None = None
    lexical_rank: int | None = None

    def best_rank(self) -> int:
        return min(rank for rank in (self.dense_rank, self.lexical_rank, 10**9) if rank is not None)


class Reranker(Protocol):
    def rerank(self, query: str, candidates: Sequence[Candidate], k: int) -> list[Candidate]:
        """The `k` best candidates, best first, each with its `score` set."""
        ...


def merge_rankings(dense: Sequence[Chunk], lexical: Sequence[Chunk]) -> list[Candidate]:
    """One candidate per chunk, carrying its 1-based rank in each search that returned it."""
    merged: dict[str, Candidate] = {}
    for rank, chunk in enumerate(dense, start=1):
        merged.setdefault(chunk.chunk_id, Candidate(chunk, dense_rank=rank))
    for rank, chunk in enumerate(lexical, start=1):
        found = merged.get(chunk.chunk_id)
        if found is None:
            merged[chunk.chunk_id] = Candidate(chunk, lexical_rank=rank)
        elif found.lexical_rank is None:
            merged[chunk.chunk_id] = replace(found, lexical_rank=rank)
    return list(merged.values())


class ReciprocalRankFusion:
    def __init__(self, k: float = 60.0, dense_weight: float = 1.0, lexical_weight: float = 1.0) -> None:
        self._k, self._dense_weight, self._lexical_weight = k, dense_weight, lexical_weight

    def score(self, candidate: Candidate) -> float:
        ranked = ((candidate.dense_rank, self._dense_weight), (candidate.lexical_rank, self._lexical_weight))
        return sum(weight / (self._k + rank) for rank, weight in ranked if rank is not None)

    def rerank(self, query: str, candidates: Sequence[Candidate], k: int) -> list[Candidate]:
        scored = [replace(candidate, score=self.score(candidate)) for candidate in candidates]
        scored.sort(key=lambda c: (-c.score, c.best_rank(), c.chunk.chunk_id))
        return scored[:k]
