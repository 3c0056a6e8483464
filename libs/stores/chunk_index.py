"""Chunks of every tenant in one Chroma collection; the tenant filter is part of every query.

Chroma is imported here only, so services that do not search do not pay for it.
"""

from typing import Protocol, Sequence

import chromadb
import numpy as np
from chromadb.api.types import Documents, EmbeddingFunction, Embeddings

from libs.models.embedder import MODEL_ID, MiniLmEmbedder
from libs.platform.settings import ChromaSettings
from libs.stores.chunks import Chunk, ScoredChunk


class Embedder(Protocol):
    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


class BundledEmbeddingFunction(EmbeddingFunction[Documents]):
    """Keeps Chroma from reaching for its default model, which downloads weights on first use."""

    def __init__(self, embedder: Embedder) -> None:
        self._embedder = embedder

    def __call__(self, input: Documents) -> Embeddings:
        return [row for row in self._embedder.embed(list(input))]

    @staticmethod
    def name() -> str:
        return "ragbus-minilm-int8"

    def get_config(self) -> dict:
        return {"model": MODEL_ID}

    @staticmethod
    def build_from_config(config: dict) -> "BundledEmbeddingFunction":
        return BundledEmbeddingFunction(MiniLmEmbedder())


def open_client(settings: ChromaSettings) -> chromadb.ClientAPI:
    anonymous = chromadb.Settings(anonymized_telemetry=False)
    if settings.url:
        return chromadb.HttpClient(host=settings.url, settings=anonymous)
    settings.path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(settings.path), settings=anonymous)


class ChunkIndex:
    def __init__(self, client: chromadb.ClientAPI, collection: str, embedder: Embedder) -> None:
        self._embedder = embedder
        self._collection = client.get_or_create_collection(
            collection, embedding_function=BundledEmbeddingFunction(embedder), metadata={"hnsw:space": "cosine"}
        )

    def replace_document(self, tenant: str, document_id: str, chunks: Sequence[Chunk]) -> tuple[int, int]:
        """Upsert the document's chunks and delete its chunks that no longer exist. Returns (added, removed)."""
        where = {"$and": [{"tenant": tenant}, {"document_id": document_id}]}
        existing = set(self._collection.get(where=where, include=[])["ids"])
        new_ids = [c.chunk_id for c in chunks]
        stale = sorted(existing - set(new_ids))
        if stale:
            self._collection.delete(ids=stale)
        if chunks:
            self._collection.upsert(
                ids=new_ids,
                documents=[c.text for c in chunks],
                embeddings=self._embedder.embed([c.text for c in chunks]),
                metadatas=[
                    {"tenant": c.tenant, "document_id": c.document_id, "source": c.source, "position": c.position}
                    for c in chunks
                ],
            )
        return len(set(new_ids) - existing), len(stale)

    def search(self, tenant: str, query: str, k: int) -> list[ScoredChunk]:
        result = self._collection.query(
            query_embeddings=self._embedder.embed([query]),
            n_results=k,
            where={"tenant": tenant},
            include=["documents", "metadatas", "distances"],
        )
        return [
            ScoredChunk(
                chunk=Chunk(
                    chunk_id=chunk_id,
                    document_id=meta["document_id"],
                    tenant=meta["tenant"],
                    source=meta["source"],
                    text=text,
                    position=int(meta["position"]),
                ),
                score=1.0 - distance,
            )
            for chunk_id, text, meta, distance in zip(
                result["ids"][0], result["documents"][0], result["metadatas"][0], result["distances"][0]
            )
        ]


def open_chunk_index(settings: ChromaSettings) -> ChunkIndex:
    return ChunkIndex(open_client(settings), settings.collection, MiniLmEmbedder())
