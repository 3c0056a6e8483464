"""Hybrid retrieval on the running stack: BM25 sees documents ingested after the retrieve service started,
re-ingest is idempotent, and a deleted document stops being retrieved."""

import asyncio
import json

import pytest

from libs.client.rag_client import RagClient
from libs.contracts import topics
from libs.contracts.documents import DocumentIngested, SubmitDocument
from libs.contracts.envelope import new_id
from libs.contracts.questions import AnswerCompleted, ContextRetrieved
from libs.testing.support import find_record

pytestmark = pytest.mark.integration

CATALOGUE = {
    "supplier-guide": "# Supplier guide\n\nWhich supplier makes which part: parts are ordered from approved suppliers "
                      "only. Each part has a supplier, a part number and a storage bin. Ask purchasing which supplier "
                      "makes a part before ordering.",
    "parts-catalogue": "# Parts catalogue\n\nPart numbers identify every part we stock. The supplier of each part is "
                       "listed in the purchasing system, and the bin where the part is stored is printed on the shelf label.",
    "warehouse-bins": "# Warehouse bins\n\nBins are numbered from 1 to 40. Small parts go into bins 1 to 20, large "
                      "parts into bins 21 to 40. The supplier delivers parts to the goods-in bay.",
    "ordering": "# Ordering parts\n\nTo order a part, quote the part number and the supplier. Orders above 500 EUR need approval.",
}
STOCK_NOTE = "# Stock note 7\n\nXK-4471-B: Kestrel Metals, bin 14, reorder at 30 units."
QUESTION = "Which bin holds part XK-4471-B?"


async def ingest(rag: RagClient, tenant: str, document_id: str, text: str, version: str = "1") -> DocumentIngested:
    doc = SubmitDocument(request_id=new_id(), tenant=tenant, document_id=document_id, text=text,
                         source=f"{document_id}.md", version=version)
    return await rag.ingest(doc, timeout_s=120)


async def ingest_catalogue(rag: RagClient, tenant: str) -> None:
    for document_id, text in CATALOGUE.items():
        assert (await ingest(rag, tenant, document_id, text)).chunks_added >= 1


async def ask_until(rag: RagClient, tenant: str, done, timeout_s: float = 30.0) -> AnswerCompleted:
    """The retrieve instance applies ingest events asynchronously: ask until `done(answer)` or the timeout."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        answer = await rag.ask(QUESTION, tenant, timeout_s=60)
        if done(answer) or asyncio.get_running_loop().time() > deadline:
            return answer
        await asyncio.sleep(0.5)


async def context_of(stack, request_id: str) -> ContextRetrieved:
    record = await find_record(stack.config.bootstrap_servers, topics.CONTEXT_RETRIEVED,
                               lambda value: json.loads(value)["request_id"] == request_id)
    assert record is not None, "no rag.context-retrieved.v1 event for the request"
    return ContextRetrieved.model_validate_json(record.value)


def retrieved_documents(answer: AnswerCompleted) -> list[str]:
    return [ref.document_id for ref in answer.retrieved]


async def test_a_part_number_ingested_after_the_index_was_built_is_found_by_bm25(stack, tenant):
    async with RagClient(stack.config.bootstrap_servers) as rag:
        await ingest_catalogue(rag, tenant)
        before = await rag.ask(QUESTION, tenant, timeout_s=60)
        await ingest(rag, tenant, "stock-note", STOCK_NOTE)
        after = await ask_until(rag, tenant, lambda answer: "stock-note" in retrieved_documents(answer))

    built = await context_of(stack, before.request_id)
    assert any(chunk.lexical_rank for chunk in built.chunks), "the tenant's BM25 index existed before the note"
    found = await context_of(stack, after.request_id)
    note = next(chunk for chunk in found.chunks if chunk.document_id == "stock-note")
    assert note.lexical_rank == 1
    assert note.dense_rank != 1, "dense search alone ranks the part number first: the test proves nothing"
    assert found.chunks[0].document_id == "stock-note"
    assert after.status == "ok" and "bin 14" in after.answer


async def test_reingesting_an_unchanged_document_adds_no_chunks(stack, tenant):
    async with RagClient(stack.config.bootstrap_servers) as rag:
        first = await ingest(rag, tenant, "stock-note", STOCK_NOTE)
        again = await ingest(rag, tenant, "stock-note", STOCK_NOTE)
        new_version = await ingest(rag, tenant, "stock-note", STOCK_NOTE, version="2")
        edited = await ingest(rag, tenant, "stock-note", STOCK_NOTE.replace("bin 14", "bin 15"), version="3")
    assert first.chunks_added >= 1
    assert (again.chunks_added, again.chunks_updated, again.chunks_removed) == (0, 0, 0)
    assert (new_version.chunks_added, new_version.chunks_updated, new_version.chunks_removed) == (0, first.chunks_added, 0)
    assert (edited.chunks_added, edited.chunks_removed) == (1, 1)


async def test_a_deleted_document_is_no_longer_retrieved(stack, tenant):
    async with RagClient(stack.config.bootstrap_servers) as rag:
        await ingest_catalogue(rag, tenant)
        await ingest(rag, tenant, "stock-note", STOCK_NOTE)
        present = await ask_until(rag, tenant, lambda answer: "stock-note" in retrieved_documents(answer))
        deleted = await rag.ingest(SubmitDocument(request_id=new_id(), tenant=tenant, document_id="stock-note",
                                                  source="test", delete=True), timeout_s=120)
        gone = await ask_until(rag, tenant, lambda answer: "stock-note" not in retrieved_documents(answer))
    assert "stock-note" in retrieved_documents(present) and "bin 14" in present.answer
    assert (deleted.chunks_added, deleted.chunks_removed) == (0, 1)
    assert "stock-note" not in retrieved_documents(gone)
    assert all(citation.document_id != "stock-note" for citation in gone.citations)
    assert "bin 14" not in gone.answer and "bin 14" not in gone.context_text
