"""Reciprocal rank fusion, checked against ranks and scores computed by hand."""

import pytest

from libs.retrieval.fusion import Candidate, ReciprocalRankFusion, merge_rankings
from libs.stores.chunks import Chunk


def chunk(name: str) -> Chunk:
    return Chunk(name, f"doc-{name}", "acme", f"{name}.md", f"text {name}", 0)


A, B, C, D = (chunk(n) for n in "abcd")


def test_candidates_carry_their_rank_in_each_search():
    merged = {c.chunk.chunk_id: c for c in merge_rankings([A, B, C], [C, A, D])}
    assert (merged["a"].dense_rank, merged["a"].lexical_rank) == (1, 2)
    assert (merged["b"].dense_rank, merged["b"].lexical_rank) == (2, None)
    assert (merged["c"].dense_rank, merged["c"].lexical_rank) == (3, 1)
    assert (merged["d"].dense_rank, merged["d"].lexical_rank) == (None, 3)


def test_a_chunk_listed_twice_keeps_its_best_rank():
    merged = merge_rankings([A, A, B], [B, B])
    assert [(c.chunk.chunk_id, c.dense_rank, c.lexical_rank) for c in merged] == [("a", 1, None), ("b", 3, 1)]


def test_fused_order_and_scores_match_the_hand_computation():
    fused = ReciprocalRankFusion(k=60).rerank("q", merge_rankings([A, B, C], [C, A, D]), k=4)
    # a: 1/61 + 1/62 = 0.032522, c: 1/63 + 1/61 = 0.032266, b: 1/62 = 0.016129, d: 1/63 = 0.015873
    assert [c.chunk.chunk_id for c in fused] == ["a", "c", "b", "d"]
    assert [round(c.score, 6) for c in fused] == [0.032522, 0.032266, 0.016129, 0.015873]


def test_the_constant_changes_how_much_a_first_rank_outweighs_agreement():
    # x and z are first in one list each; y is third in both.
    x, y, z, v, w = (chunk(n) for n in "xyzvw")
    candidates = merge_rankings([x, w, y], [z, v, y])
    assert ReciprocalRankFusion(k=60).rerank("q", candidates, 1)[0].chunk is y  # 2/63 = 0.0317 > 1/61 = 0.0164
    assert ReciprocalRankFusion(k=0.5).rerank("q", candidates, 1)[0].chunk is x  # 1/1.5 = 0.667 > 2/3.5 = 0.571


def test_weights_scale_each_search():
    fused = ReciprocalRankFusion(k=60, dense_weight=0.0).rerank("q", merge_rankings([A, B], [B, C]), k=3)
    assert [c.chunk.chunk_id for c in fused][:2] == ["b", "c"]
    assert fused[-1].score == 0.0


def test_ties_are_broken_by_best_rank_then_id():
    fused = ReciprocalRankFusion(k=60).rerank("q", merge_rankings([B], [A]), k=2)
    assert fused[0].score == fused[1].score
    assert [c.chunk.chunk_id for c in fused] == ["a", "b"]


@pytest.mark.parametrize("k", [0, 1, 3])
def test_at_most_k_candidates_come_back(k):
    assert len(ReciprocalRankFusion().rerank("q", merge_rankings([A, B, C], [D]), k)) == k


def test_one_search_alone_keeps_its_order():
    fused = ReciprocalRankFusion().rerank("q", merge_rankings([], [C, A, B]), k=3)
    assert [c.chunk.chunk_id for c in fused] == ["c", "a", "b"]
    assert all(c.dense_rank is None for c in fused)


def test_best_rank_of_a_candidate():
    assert Candidate(A, dense_rank=4, lexical_rank=2).best_rank() == 2
