"""BM25 terms, the per-tenant BM25 indexes, their isolation and when they are rebuilt."""

import threading

from libs.retrieval.analysis import s_stem, terms
from libs.retrieval.lexical import Bm25Config, LexicalIndex
from libs.retrieval.tenant_indexes import TenantLexicalIndexes
from libs.stores.chunks import Chunk


def chunk(tenant: str, name: str, text: str) -> Chunk:
    return Chunk(f"{name}#1", name, tenant, f"{name}.md", text, 0)


class Store:
    """Chunks by tenant, like Chroma's `tenant_chunks`; counts the loads."""

    def __init__(self, chunks: list[Chunk]) -> None:
        self.chunks = list(chunks)
        self.loads: list[str] = []

    def tenant_chunks(self, tenant: str) -> list[Chunk]:
        self.loads.append(tenant)
        return [c for c in self.chunks if c.tenant == tenant]


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


ACME = [chunk("acme", "stock", "Part XK-4471-B is kept in bin 14."), chunk("acme", "travel", "The hotel cap is 180 EUR.")]
GLOBEX = [chunk("globex", "nightjar", "Project Nightjar part XK-4471-B ships from Leeds.")]


def test_part_numbers_are_kept_whole_and_split():
    assert terms("Order XK-4471-B") == ["order", "xk-4471-b", "xk", "4471"]


def test_stopwords_are_dropped_and_case_folded():
    assert terms("Is THE Hotel cap of the company in EUR?") == ["hotel", "cap", "company", "eur"]


def test_the_s_stemmer_strips_plural_endings_only():
    assert [s_stem(w) for w in ["policies", "wheels", "glass", "status", "buses", "goes", "flow"]] == [
        "policy", "wheel", "glass", "status", "buse", "goe", "flow"]
    assert terms("Reaction wheels", stem=True) == ["reaction", "wheel"]


def test_bm25_returns_only_chunks_that_share_a_term():
    index = LexicalIndex(ACME)
    assert [hit.chunk.document_id for hit in index.search("where is XK-4471-B?", 5)] == ["stock"]
    assert index.search("quantum entanglement", 5) == []
    assert LexicalIndex([]).search("anything", 5) == []


def test_the_exact_part_number_outranks_a_partial_match():
    index = LexicalIndex([chunk("acme", "other", "Part XK-4471-C is kept in bin 15."), *ACME])
    assert [hit.chunk.document_id for hit in index.search("XK-4471-B", 5)] == ["stock", "other"]


def test_expansion_adds_terms_the_top_documents_share():
    docs = [chunk("t", f"d{n}", f"turbulent boundary layer transition {extra}") for n, extra in enumerate(["heat", "heat", "noise"])]
    index = LexicalIndex(docs, Bm25Config(expansion_documents=3, expansion_terms=5))
    assert set(index.expansion_terms(terms("boundary layer"))) == {"turbulent", "transition", "heat"}


def test_a_tenant_never_sees_another_tenants_chunks():
    store = Store(ACME + GLOBEX)
    indexes = TenantLexicalIndexes(store.tenant_chunks)
    assert {hit.chunk.tenant for hit in indexes.search("acme", "XK-4471-B Nightjar Leeds", 10)} == {"acme"}
    assert [hit.chunk.document_id for hit in indexes.search("globex", "XK-4471-B hotel cap", 10)] == ["nightjar"]
    assert indexes.search("initech", "XK-4471-B", 10) == []
    assert store.loads == ["acme", "globex", "initech"]


def test_an_index_is_built_once_and_reused():
    store = Store(ACME)
    indexes = TenantLexicalIndexes(store.tenant_chunks)
    for _ in range(3):
        indexes.search("acme", "hotel", 5)
    assert store.loads == ["acme"]


def test_invalidation_rebuilds_only_that_tenant_on_its_next_search():
    store = Store(ACME + GLOBEX)
    indexes = TenantLexicalIndexes(store.tenant_chunks)
    indexes.search("acme", "bin", 5), indexes.search("globex", "leeds", 5)
    store.chunks.append(chunk("acme", "late", "Widget QZ-9 is kept in bin 3."))
    assert indexes.search("acme", "QZ-9", 5) == []  # not invalidated yet: the cached index is used
    indexes.invalidate("acme")
    assert [hit.chunk.document_id for hit in indexes.search("acme", "QZ-9", 5)] == ["late"]
    indexes.search("globex", "leeds", 5)
    assert store.loads == ["acme", "globex", "acme"]


def test_invalidate_all_rebuilds_every_tenant():
    store = Store(ACME + GLOBEX)
    indexes = TenantLexicalIndexes(store.tenant_chunks)
    indexes.search("acme", "bin", 5), indexes.search("globex", "leeds", 5)
    indexes.invalidate_all()
    indexes.search("acme", "bin", 5), indexes.search("globex", "leeds", 5)
    assert store.loads == ["acme", "globex", "acme", "globex"]


def test_an_index_older_than_the_max_age_is_rebuilt():
    store, clock = Store(ACME), Clock()
    indexes = TenantLexicalIndexes(store.tenant_chunks, max_age_s=60, clock=clock)
    indexes.search("acme", "bin", 5)
    clock.now = 59.0
    indexes.search("acme", "bin", 5)
    clock.now = 60.0
    indexes.search("acme", "bin", 5)
    assert store.loads == ["acme", "acme"]


def test_an_invalidation_during_a_build_is_not_lost():
    store = Store(ACME)
    indexes = TenantLexicalIndexes(lambda tenant: (indexes.invalidate(tenant), store.tenant_chunks(tenant))[1])
    indexes.search("acme", "bin", 5)  # the load itself raced with an ingest: the result is already stale
    indexes.search("acme", "bin", 5)
    assert store.loads == ["acme", "acme"]


def test_least_recently_used_tenants_are_dropped_beyond_the_limit():
    store = Store(ACME + GLOBEX)
    indexes = TenantLexicalIndexes(store.tenant_chunks, max_tenants=1)
    indexes.search("acme", "bin", 5), indexes.search("globex", "leeds", 5), indexes.search("acme", "bin", 5)
    assert store.loads == ["acme", "globex", "acme"]


def test_concurrent_searches_of_a_stale_tenant_build_once():
    store = Store(ACME)
    indexes = TenantLexicalIndexes(store.tenant_chunks)
    threads = [threading.Thread(target=indexes.search, args=("acme", "bin", 5)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert store.loads == ["acme"]
