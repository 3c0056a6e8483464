"""The hybrid retriever: both searches inside the tenant, ranks kept, long questions searched by their end."""

from libs.retrieval.fusion import ReciprocalRankFusion
from libs.retrieval.hybrid import HybridRetriever, RetrievalConfig
from libs.retrieval.query import focus_query
from libs.retrieval.tenant_indexes import TenantLexicalIndexes
from libs.retrieval.tokens import EMBEDDER_MAX_TOKENS, MiniLmTokenCounter
from libs.stores.chunks import Chunk, ScoredChunk

COUNTER = MiniLmTokenCounter()
QUESTION = "What is the standard lead time for the RW-200 reaction wheel?"
THREAD = "\n".join(f"From: person{n}@example.com. We discussed the Polaris mission budget again on day {n}." for n in range(80))


def chunk(tenant: str, name: str, text: str) -> Chunk:
    return Chunk(f"{name}#1", name, tenant, f"{name}.md", text, 0)


CHUNKS = [
    chunk("acme", "rw-200", "The standard lead time for the RW-200 is 10 weeks."),
    chunk("acme", "stock", "Part XK-4471-B is kept in bin 14."),
    chunk("acme", "sla", "Support tickets are answered within one day."),
    chunk("globex", "nightjar", "Part XK-4471-B for Project Nightjar."),
]


class DenseByOrder:
    """A vector store stand-in: returns the tenant's chunks in a fixed order and records the queries."""

    def __init__(self, order: list[str]) -> None:
        self.order, self.queries = order, []

    def search(self, tenant: str, query: str, k: int, include_flagged: bool = False) -> list[ScoredChunk]:
        self.queries.append(query)
        ranked = sorted((c for c in CHUNKS if c.tenant == tenant), key=lambda c: self.order.index(c.document_id))
        return [ScoredChunk(c, 1.0 - n / 10) for n, c in enumerate(ranked[:k])]


def retriever(store: DenseByOrder, **config) -> HybridRetriever:
    lexical = TenantLexicalIndexes(lambda tenant: [c for c in CHUNKS if c.tenant == tenant])
    return HybridRetriever(store, lexical, ReciprocalRankFusion(60), COUNTER, RetrievalConfig(**config))


def test_short_questions_are_searched_as_asked():
    assert focus_query(QUESTION, COUNTER) == QUESTION


def test_a_long_question_is_searched_by_its_last_paragraph_that_asks():
    assert focus_query(f"{THREAD}\n\nMy question: {QUESTION}\n\nThanks, Bob", COUNTER) == f"My question: {QUESTION}"


def test_a_long_last_paragraph_is_cut_to_its_last_sentences():
    focused = focus_query(f"{THREAD}\nMy question: {QUESTION}", COUNTER, focus_tokens=24)
    assert focused.endswith(QUESTION)
    assert COUNTER.count(focused) <= 24
    assert "Polaris" not in focused


def test_a_long_text_without_a_question_mark_is_searched_by_its_last_paragraph():
    assert focus_query(f"{THREAD}\n\nPlease send the RW-200 lead time.", COUNTER) == "Please send the RW-200 lead time."


def test_a_long_single_sentence_is_cut_to_what_the_embedder_reads():
    run_on = " ".join(f"word{n}" for n in range(600)) + " what is the lead time"
    focused = focus_query(run_on, COUNTER)
    assert focused.endswith("what is the lead time")
    assert COUNTER.count(focused) <= EMBEDDER_MAX_TOKENS


def test_the_keyword_match_lifts_a_chunk_dense_search_ranks_last():
    found = retriever(DenseByOrder(["sla", "rw-200", "stock"])).retrieve("acme", "Which bin holds XK-4471-B?", 3)
    assert found[0].chunk.document_id == "stock"
    assert (found[0].dense_rank, found[0].lexical_rank) == (3, 1)
    assert {c.chunk.tenant for c in found} == {"acme"}


def test_dense_only_and_lexical_only_leave_the_other_rank_empty():
    dense_only = retriever(DenseByOrder(["sla", "rw-200", "stock"]), lexical=False).retrieve("acme", "XK-4471-B", 3)
    store = DenseByOrder(["sla", "rw-200", "stock"])
    lexical_only = retriever(store, dense=False).retrieve("acme", "XK-4471-B", 3)
    assert [c.chunk.document_id for c in dense_only] == ["sla", "rw-200", "stock"]
    assert all(c.lexical_rank is None for c in dense_only)
    assert [(c.chunk.document_id, c.dense_rank, c.lexical_rank) for c in lexical_only] == [("stock", None, 1)]
    assert store.queries == []


def test_both_searches_receive_the_focused_question():
    dense = DenseByOrder(["sla", "stock", "rw-200"])
    found = retriever(dense).retrieve("acme", f"{THREAD}\n\nMy question: {QUESTION}", 2)
    assert dense.queries[0].endswith(QUESTION) and "Polaris" not in dense.queries[0]
    assert found[0].chunk.document_id == "rw-200" and found[0].lexical_rank == 1


def test_k_limits_the_answer_not_the_candidates():
    dense = DenseByOrder(["sla", "rw-200", "stock"])
    found = retriever(dense, dense_candidates=3, lexical_candidates=3).retrieve("acme", "Which bin holds XK-4471-B?", 1)
    assert [c.chunk.document_id for c in found] == ["stock"]
