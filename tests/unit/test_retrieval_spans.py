"""A search is one span tree under the retrieve stage's span: embedding, dense search, BM25, fusion.

Real Chroma (embedded, in a temp folder), real BM25 and fusion, a deterministic embedder; the search runs
through `services.retrieve.service.search`, which hands it to a worker thread as the service does.
"""

import pytest

from libs.platform import telemetry
from libs.platform.settings import ChromaSettings
from libs.platform.telemetry import tracer
from libs.retrieval.fusion import ReciprocalRankFusion
from libs.retrieval.hybrid import HybridRetriever, RetrievalConfig
from libs.retrieval.tenant_indexes import TenantLexicalIndexes
from libs.retrieval.tokens import MiniLmTokenCounter
from libs.retrieval.traced_embedder import TracedEmbedder
from libs.stores.chunk_index import open_chunk_index
from libs.stores.chunks import Chunk
from libs.testing.embedders import CountingEmbedder
from libs.testing.spans import by_name, parent_of, recorded_spans
from services.retrieve.service import search

QUESTION = "What is the standard lead time for the RW-200 reaction wheel?"
TEXTS = ["The standard lead time for the RW-200 is 10 weeks.", "Part XK-4471-B is kept in bin 14.",
         "Support tickets are answered within one day.", "The RW-200 weighs 4.2 kg."]
CONSUME = "rag.question-screened.v1 process"  # stands in for faststream's consume span


@pytest.fixture
def retriever(tmp_path) -> HybridRetriever:
    store = open_chunk_index(ChromaSettings(path=tmp_path / "chroma", collection="spans"),
                             TracedEmbedder(CountingEmbedder(), "counting-embedder"))
    for tenant in ("acme", "globex"):
        chunks = [Chunk(f"{tenant}-{n}", f"doc-{n}", tenant, f"doc-{n}.md", text, 0) for n, text in enumerate(TEXTS)]
        store.replace_document(tenant, "handbook", chunks)
    config = RetrievalConfig(dense_candidates=3, lexical_candidates=2)
    return HybridRetriever(store, TenantLexicalIndexes(store.tenant_chunks), ReciprocalRankFusion(60),
                           MiniLmTokenCounter(), config)


async def traced_search(retriever: HybridRetriever, k: int = 2) -> tuple[list, dict]:
    with recorded_spans() as exporter:
        with tracer().start_as_current_span(CONSUME):
            chunks = await search(retriever, "acme", QUESTION, k)
        return chunks, by_name(exporter.get_finished_spans())


async def test_every_step_of_a_search_is_a_child_span_in_the_stage_trace(retriever):
    chunks, spans = await traced_search(retriever)

    parents = {name: parent_of(span, spans) for name, span in spans.items()}
    assert parents == {
        CONSUME: None,
        telemetry.RETRIEVE_SEARCH: CONSUME,  # the worker thread ran in the handler's context
        telemetry.RETRIEVE_DENSE: telemetry.RETRIEVE_SEARCH,
        telemetry.RETRIEVE_EMBED: telemetry.RETRIEVE_DENSE,
        telemetry.RETRIEVE_BM25: telemetry.RETRIEVE_SEARCH,
        telemetry.RETRIEVE_BM25_BUILD: telemetry.RETRIEVE_BM25,  # first search of the tenant: the index is built
        telemetry.RETRIEVE_FUSION: telemetry.RETRIEVE_SEARCH,
    }
    assert len({span.context.trace_id for span in spans.values()}) == 1
    assert len(chunks) == 2


async def test_the_spans_say_how_many_candidates_each_step_asked_for_and_got(retriever):
    chunks, spans = await traced_search(retriever, k=2)
    attributes = {name: dict(span.attributes) for name, span in spans.items()}

    assert attributes[telemetry.RETRIEVE_SEARCH] == {"ragbus.tenant": "acme", "ragbus.retrieval.k": 2,
                                                     "ragbus.chunks": len(chunks)}
    dense, bm25, fusion = (attributes[name] for name in (telemetry.RETRIEVE_DENSE, telemetry.RETRIEVE_BM25,
                                                         telemetry.RETRIEVE_FUSION))
    assert (dense["ragbus.tenant"], dense["ragbus.retrieval.candidates_requested"]) == ("acme", 3)
    assert dense["ragbus.retrieval.candidates_returned"] == 3
    assert (bm25["ragbus.retrieval.candidates_requested"], bm25["ragbus.retrieval.candidates_returned"]) == (2, 2)
    assert fusion["ragbus.retrieval.k"] == 2 and fusion["ragbus.retrieval.candidates_returned"] == 2
    assert 3 <= fusion["ragbus.retrieval.candidates"] <= 5
    assert attributes[telemetry.RETRIEVE_BM25_BUILD]["ragbus.chunks"] == len(TEXTS)  # acme's chunks only
    embed = attributes[telemetry.RETRIEVE_EMBED]
    assert (embed["gen_ai.request.model"], embed["ragbus.texts"], embed["gen_ai.embeddings.dimension.count"]) == (
        "counting-embedder", 1, 64)


async def test_a_fresh_bm25_index_is_reused_without_a_build_span(retriever):
    await traced_search(retriever)
    _, spans = await traced_search(retriever)
    assert telemetry.RETRIEVE_BM25 in spans and telemetry.RETRIEVE_BM25_BUILD not in spans


async def test_no_span_holds_the_question(retriever):
    _, spans = await traced_search(retriever)
    values = [str(value) for span in spans.values() for value in span.attributes.values()]
    assert not [value for value in values if "lead time" in value or "RW-200" in value]
