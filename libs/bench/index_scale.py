"""Retrieval latency as the index grows (10k, 100k chunks), and embedding throughput.

Embedding 100k chunks with the bundled model would take over an hour on 2 cores, so the scale test stores
random unit vectors (HNSW's cost depends on the count and dimension, not on where the vectors came from)
and chunk texts made of Cranfield sentences (realistic vocabulary for BM25). Queries are real embeddings of
Cranfield queries for dense search and the query text for BM25, both inside one tenant of two.
"""

import random
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from libs.evaluation.metrics import percentile
from libs.models.embedder import DIMENSIONS, MiniLmEmbedder
from libs.retrieval.cranfield import load_documents, load_queries
from libs.retrieval.lexical import LexicalIndex
from libs.stores.chunks import Chunk

TENANTS = ("scale-a", "scale-b")
EMBEDDED_TEXTS = 256  # Cranfield abstracts embedded for chunks/s (about 8 s at 30/s)


@dataclass(frozen=True)
class ScaleResult:
    chunks: int
    load_s: float
    dense_p50_ms: float
    dense_p99_ms: float
    bm25_build_s: float
    bm25_p50_ms: float
    bm25_p99_ms: float


def synthetic_chunks(count: int, sentences: list[str], seed: int = 7) -> list[Chunk]:
    pick = random.Random(seed)
    return [
        Chunk(f"c{n}", f"d{n // 4}", TENANTS[n % 2], "synthetic", " ".join(pick.choices(sentences, k=4)), n % 4)
        for n in range(count)
    ]


def random_unit_vectors(count: int, seed: int = 7) -> np.ndarray:
    vectors = np.random.default_rng(seed).standard_normal((count, DIMENSIONS)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def timed_ms(call) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def measure_scales(sizes: tuple[int, ...], sentences: list[str], queries: list[str], query_vectors: np.ndarray) -> list[ScaleResult]:
    """One index grown to each size in turn (the first chunks of a larger synthetic set are the smaller set), so
    the largest load is paid once; `load_s` is the time to load that many chunks."""
    import chromadb

    chunks, vectors = synthetic_chunks(max(sizes), sentences), random_unit_vectors(max(sizes))
    results, loaded, load_s = [], 0, 0.0
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as folder:
        client = chromadb.PersistentClient(path=folder, settings=chromadb.Settings(anonymized_telemetry=False))
        collection = client.create_collection("scale", metadata={"hnsw:space": "cosine"}, embedding_function=None)
        batch = client.get_max_batch_size()
        for size in sorted(sizes):
            started = time.perf_counter()
            for start in range(loaded, size, batch):
                part = chunks[start : min(start + batch, size)]
                collection.add(ids=[c.chunk_id for c in part], embeddings=vectors[start : start + len(part)],
                               documents=[c.text for c in part], metadatas=[{"tenant": c.tenant} for c in part])
            load_s, loaded = load_s + time.perf_counter() - started, size
            dense = [timed_ms(lambda v=vector: collection.query(query_embeddings=[v], n_results=30, where={"tenant": TENANTS[0]}))
                     for vector in query_vectors]
            results.append(with_bm25(chunks[:size], queries, round(load_s, 1), dense))
    return results


def with_bm25(chunks: list[Chunk], queries: list[str], load_s: float, dense: list[float]) -> ScaleResult:
    started = time.perf_counter()
    lexical = LexicalIndex([c for c in chunks if c.tenant == TENANTS[0]])
    bm25_build_s = time.perf_counter() - started
    bm25 = [timed_ms(lambda q=query: lexical.search(q, 30)) for query in queries]
    return ScaleResult(len(chunks), load_s, round(percentile(dense, 50), 2), round(percentile(dense, 99), 2),
                       round(bm25_build_s, 1), round(percentile(bm25, 50), 2), round(percentile(bm25, 99), 2))


def embedding_throughput(texts: list[str]) -> dict:
    embedder = MiniLmEmbedder()
    embedder.embed(texts[:8])  # warm-up: the first call allocates the session's buffers
    started = time.perf_counter()
    embedder.embed(texts)
    seconds = time.perf_counter() - started
    return {"chunks": len(texts), "seconds": round(seconds, 2), "chunks_per_s": round(len(texts) / seconds, 1)}


def index_scale(cranfield: Path, sizes: tuple[int, ...] = (10_000, 100_000), queries: int = 100) -> dict:
    documents = load_documents(cranfield)
    sentences = [s.strip() + "." for doc in documents for s in doc.text.split(".") if len(s.split()) >= 5]
    query_texts = list(load_queries(cranfield).values())[:queries]
    query_vectors = MiniLmEmbedder().embed(query_texts)
    return {
        "scale": [result.__dict__ for result in measure_scales(sizes, sentences, query_texts, query_vectors)],
        "embedding": embedding_throughput([doc.text for doc in documents[:EMBEDDED_TEXTS]]),
    }
