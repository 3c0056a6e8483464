"""Chunks of every tenant in one Chroma collection; the tenant filter is part of every query, and so is the
exclusion of chunks the ingest injection scan flagged (unless a search asks for them).

Re-ingest is idempotent by content: chunk ids are content hashes, so only chunks whose id the store does
not hold yet are embedded (in batches); unchanged chunks only get their metadata refreshed when it changed.
New chunks are written before stale ones are deleted, so a document never disappears mid-update.
Chroma is imported here only, so services that do not search do not pay for it.
"""

from collections.abc import Iterator
from functools import lru_cache
from typing import NamedTuple, Protocol, Sequence

import chromadb
import numpy as np
from chromadb.api.types import Documents, EmbeddingFunction, Embeddings

from libs.models.embedder import MODEL_ID, MiniLmEmbedder
from libs.platform.settings import ChromaSettings
from libs.stores.chunks import FLAGGED, Chunk, ScoredChunk

PAGE = 1000


class IndexChange(NamedTuple):
    """Chunks of one document written as new (embedded), refreshed in metadata only, and deleted."""

    added: int
    updated: int
    removed: int


class Embedder(Protocol):
    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


@lru_cache(maxsize=1)
def shared_embedder() -> MiniLmEmbedder:
    return MiniLmEmbedder()


class BundledEmbeddingFunction(EmbeddingFunction[Documents]):
    """Keeps Chroma from reaching for its default model, which downloads weights on first use.

    Chroma rebuilds the function from the collection's config on every upsert and query; building must not
    load the model (it did: an ONNX session per call), so the rebuilt one borrows the process's shared embedder,
    loaded only if Chroma ever embeds by itself (it does not: ragbus passes embeddings).
    """

    def __init__(self, embedder: Embedder | None = None) -> None:
        self._embedder = embedder

    def __call__(self, input: Documents) -> Embeddings:
        return [row for row in (self._embedder or shared_embedder()).embed(list(input))]

    @staticmethod
    def name() -> str:
        return "ragbus-minilm-int8"

    def get_config(self) -> dict:
        return {"model": MODEL_ID}

    @staticmethod
    def build_from_config(config: dict) -> "BundledEmbeddingFunction":
        return BundledEmbeddingFunction()


def open_client(settings: ChromaSettings) -> chromadb.ClientAPI:
    anonymous = chromadb.Settings(anonymized_telemetry=False)
    if settings.url:
        return chromadb.HttpClient(host=settings.url, settings=anonymous)
    settings.path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(settings.path), settings=anonymous)


def _batches(items: Sequence, size: int) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def search_filter(tenant: str, include_flagged: bool) -> dict:
    """Inside the query, so flagged chunks never take a place among the k nearest. `$ne` keeps chunks stored
    before the ingest scan existed (they have no flag) until their document is ingested again."""
    if include_flagged:
        return {"tenant": tenant}
    return {"$and": [{"tenant": tenant}, {FLAGGED: {"$ne": True}}]}


class ChunkIndex:
    def __init__(self, client: chromadb.ClientAPI, collection: str, embedder: Embedder, batch_size: int = 256) -> None:
        self._embedder = embedder
        self._batch_size = min(batch_size, client.get_max_batch_size())
        self._collection = client.get_or_create_collection(
            collection, embedding_function=BundledEmbeddingFunction(embedder), metadata={"hnsw:space": "cosine"}
        )

    def replace_document(self, tenant: str, document_id: str, chunks: Sequence[Chunk]) -> IndexChange:
        """Make the stored chunks of the document exactly `chunks`."""
        stored = self._stored_metadata(tenant, document_id)
        fresh = [chunk for chunk in chunks if chunk.chunk_id not in stored]
        changed = [c for c in chunks if c.chunk_id in stored and stored[c.chunk_id] != c.metadata()]
        stale = sorted(set(stored) - {chunk.chunk_id for chunk in chunks})
        self._add(fresh)
        self._update_metadata(changed)
        for batch in _batches(stale, self._batch_size):
            self._collection.delete(ids=list(batch))
        return IndexChange(added=len(fresh), updated=len(changed), removed=len(stale))

    def delete_document(self, tenant: str, document_id: str) -> int:
        return self.replace_document(tenant, document_id, []).removed

    def search(self, tenant: str, query: str, k: int, include_flagged: bool = False) -> list[ScoredChunk]:
        """The k nearest chunks of the tenant; chunks the ingest scan flagged only when asked for."""
        result = self._collection.query(
            query_embeddings=self._embedder.embed([query]), n_results=k, where=search_filter(tenant, include_flagged),
            include=["documents", "metadatas", "distances"],
        )
        rows = zip(result["ids"][0], result["documents"][0], result["metadatas"][0], result["distances"][0])
        return [ScoredChunk(Chunk.from_stored(cid, text, meta), 1.0 - distance) for cid, text, meta, distance in rows]

    def tenant_chunks(self, tenant: str) -> list[Chunk]:
        """Every stored chunk of the tenant, read page by page (the lexical index is rebuilt from these)."""
        chunks: list[Chunk] = []
        while True:
            page = self._collection.get(where={"tenant": tenant}, include=["documents", "metadatas"],
                                        limit=PAGE, offset=len(chunks))
            chunks += [Chunk.from_stored(*row) for row in zip(page["ids"], page["documents"], page["metadatas"])]
            if len(page["ids"]) < PAGE:
                return chunks

    def _stored_metadata(self, tenant: str, document_id: str) -> dict[str, dict]:
        where = {"$and": [{"tenant": tenant}, {"document_id": document_id}]}
        stored = self._collection.get(where=where, include=["metadatas"])
        return {cid: Chunk.from_stored(cid, "", meta).metadata() for cid, meta in zip(stored["ids"], stored["metadatas"])}

    def _add(self, chunks: Sequence[Chunk]) -> None:
        for batch in _batches(chunks, self._batch_size):
            texts = [chunk.text for chunk in batch]
            self._collection.upsert(ids=[c.chunk_id for c in batch], documents=texts,
                                    embeddings=self._embedder.embed(texts), metadatas=[c.metadata() for c in batch])

    def _update_metadata(self, chunks: Sequence[Chunk]) -> None:
        for batch in _batches(chunks, self._batch_size):
            self._collection.update(ids=[c.chunk_id for c in batch], metadatas=[c.metadata() for c in batch])


def open_chunk_index(settings: ChromaSettings, embedder: Embedder | None = None) -> ChunkIndex:
    return ChunkIndex(open_client(settings), settings.collection, embedder or MiniLmEmbedder())
