"""The Chroma chunk index (embedded store in a temp folder): idempotent re-ingest, deletion, tenant filter."""

import pytest

from libs.platform.settings import ChromaSettings
from libs.retrieval.chunking import ChunkingConfig, SourceDocument, chunk_document
from libs.retrieval.tokens import MiniLmTokenCounter
from libs.stores import chunk_index as chunk_index_module
from libs.stores.chunk_index import open_chunk_index
from libs.testing.embedders import CountingEmbedder

COUNTER = MiniLmTokenCounter()
GUIDE = "# Guide\n\n## Storage\n\nWheels are stored at 20 degrees.\n\n## Balancing\n\nWheels are balanced twice."


@pytest.fixture
def embedder() -> CountingEmbedder:
    return CountingEmbedder()


@pytest.fixture
def index(tmp_path, embedder):
    return open_chunk_index(ChromaSettings(path=tmp_path / "chroma", collection="test"), embedder)


def chunks(text: str, tenant: str = "acme", document_id: str = "guide", version: str = "1"):
    doc = SourceDocument(tenant, document_id, f"{document_id}.md", text, version)
    return chunk_document(doc, COUNTER, ChunkingConfig(chunk_tokens=16, overlap_tokens=0))


def test_reingesting_an_unchanged_document_embeds_nothing(index, embedder):
    first = chunks(GUIDE)
    assert index.replace_document("acme", "guide", first) == (len(first), 0, 0)
    embedded = len(embedder.embedded)
    assert index.replace_document("acme", "guide", chunks(GUIDE)) == (0, 0, 0)
    assert len(embedder.embedded) == embedded


def test_a_changed_section_embeds_only_its_new_chunk_and_removes_the_old(index, embedder):
    index.replace_document("acme", "guide", chunks(GUIDE))
    embedder.embedded.clear()
    edited = chunks(GUIDE.replace("20 degrees", "18 degrees"))
    assert index.replace_document("acme", "guide", edited) == (1, 0, 1)
    assert len(embedder.embedded) == 1 and "18 degrees" in embedder.embedded[0]
    assert sorted(c.chunk_id for c in index.tenant_chunks("acme")) == sorted(c.chunk_id for c in edited)


def test_a_new_version_with_the_same_text_updates_metadata_without_embedding(index, embedder):
    index.replace_document("acme", "guide", chunks(GUIDE, version="1"))
    embedder.embedded.clear()
    second = chunks(GUIDE, version="2")
    assert index.replace_document("acme", "guide", second) == (0, len(second), 0)
    assert embedder.embedded == []
    assert {c.version for c in index.tenant_chunks("acme")} == {"2"}


def test_every_stored_chunk_carries_tenant_source_version_and_heading(index):
    index.replace_document("acme", "guide", chunks(GUIDE, version="7"))
    stored = index.tenant_chunks("acme")
    assert {(c.tenant, c.source, c.version) for c in stored} == {("acme", "guide.md", "7")}
    assert {c.heading_path for c in stored} == {"Guide > Storage", "Guide > Balancing"}


def test_deleting_a_document_removes_all_its_chunks_and_nothing_else(index):
    index.replace_document("acme", "guide", chunks(GUIDE))
    index.replace_document("acme", "other", chunks("Other text.", document_id="other"))
    index.replace_document("globex", "guide", chunks(GUIDE, tenant="globex"))
    assert index.delete_document("acme", "guide") == 2
    assert [c.document_id for c in index.tenant_chunks("acme")] == ["other"]
    assert len(index.tenant_chunks("globex")) == 2
    assert index.delete_document("acme", "guide") == 0


def test_dense_search_stays_inside_the_tenant(index):
    index.replace_document("acme", "guide", chunks(GUIDE))
    index.replace_document("globex", "guide", chunks(GUIDE, tenant="globex"))
    hits = index.search("globex", "Wheels are stored at 20 degrees.", 10)
    assert hits and {hit.chunk.tenant for hit in hits} == {"globex"}
    assert hits[0].chunk.text.endswith("Wheels are stored at 20 degrees.")
    assert index.search("initech", "Wheels", 5) == []


def test_tenant_chunks_reads_every_page(index, monkeypatch):
    monkeypatch.setattr(chunk_index_module, "PAGE", 2)
    for n in range(5):
        index.replace_document("acme", f"doc-{n}", chunks(f"Text number {n}.", document_id=f"doc-{n}"))
    assert sorted(c.document_id for c in index.tenant_chunks("acme")) == [f"doc-{n}" for n in range(5)]


def test_embeddings_are_computed_in_batches(tmp_path, embedder):
    batches = []
    original = embedder.embed
    embedder.embed = lambda texts: (batches.append(len(texts)), original(texts))[1]
    index = open_chunk_index(ChromaSettings(path=tmp_path / "batched", collection="test"), embedder)
    many = [c for n in range(7) for c in chunks(f"# T{n}\n\nBody {n}.", document_id="big")]
    index._batch_size = 3
    index.replace_document("acme", "big", many)
    assert batches == [3, 3, 1]


def test_writes_and_searches_never_load_a_model(index, monkeypatch):
    """Chroma rebuilds the embedding function from config on every call; that once built an ONNX session each time."""
    loaded = []
    monkeypatch.setattr(chunk_index_module, "MiniLmEmbedder", lambda *args, **kwargs: loaded.append(1))
    for version in ("1", "2", "3"):
        doc = SourceDocument("acme", "guide", "guide.md", GUIDE.replace("twice", f"{version} times"), version)
        index.replace_document("acme", "guide", chunk_document(doc, COUNTER, ChunkingConfig()))
    index.search("acme", "How often are wheels balanced?", 3)
    assert loaded == []
