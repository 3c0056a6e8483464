from pydantic import Field

from libs.platform.settings import ChromaSettings, ServiceSettings
from libs.retrieval.hybrid import RetrievalConfig
from libs.retrieval.lexical import Bm25Config


class RetrieveSettings(ServiceSettings):
    health_port: int = Field(8082, description="Port of /healthz and /readyz.")
    chroma: ChromaSettings = Field(default_factory=ChromaSettings)
    consumer_workers: int = Field(
        1, ge=1, le=32, description="Questions retrieved at once: consumers of the group in this process, one per "
                                   "partition at most. 3 took make bench's saturation from 22.8 / 18.2 to 27.1 / 28.7 "
                                   "answers/s (two paired runs); 1 stays the default, as generate's, until rebalances "
                                   "after restarts are measured with it.",
    )
    query_embedding_threads: int = Field(
        1, ge=0, le=64, description="onnxruntime threads embedding one query; 0: one per core. 1 halved the CPU per "
                                   "query on 2 cores (14 → 6.7 ms): one sentence gains nothing from more, and the "
                                   "idle threads spin (docs/benchmarks.md).",
    )
    dense_search: bool = Field(True, description="Search the vector store (dense embeddings).")
    lexical_search: bool = Field(True, description="Search the tenant's BM25 index and fuse it with the dense results.")
    dense_candidates: int = Field(30, ge=1, le=500, description="Chunks taken from the dense search before fusion.")
    lexical_candidates: int = Field(30, ge=1, le=500, description="Chunks taken from BM25 before fusion.")
    rrf_k: float = Field(60.0, gt=0, description="Reciprocal rank fusion constant: score = Σ 1 / (rrf_k + rank).")
    bm25_k1: float = Field(0.9, gt=0, description="BM25 term-frequency saturation.")
    bm25_b: float = Field(0.4, ge=0, le=1, description="BM25 length normalisation.")
    bm25_stemming: bool = Field(False, description="Strip plural endings (S-stemmer) before BM25.")
    bm25_max_age_s: float = Field(300.0, gt=0, description="Rebuild a tenant's BM25 index from Chroma at least this often.")
    bm25_max_tenants: int = Field(256, ge=1, description="BM25 indexes kept in memory (least recently used dropped).")
    query_expansion: bool = Field(False, description="Add pseudo-relevance-feedback terms to the BM25 query.")
    include_flagged_chunks: bool = Field(
        False, description="Also retrieve chunks the ingest prompt-injection scan flagged (both searches). Off in "
                           "production: a flagged chunk may carry instructions aimed at the model (ADR 0007).")
    focus_tokens: int = Field(64, ge=8, le=254, description="Tokens of the question's end searched when it is too long to embed.")

    def retrieval(self) -> RetrievalConfig:
        return RetrievalConfig(dense=self.dense_search, lexical=self.lexical_search, dense_candidates=self.dense_candidates,
                               lexical_candidates=self.lexical_candidates, query_expansion=self.query_expansion,
                               focus_tokens=self.focus_tokens, include_flagged=self.include_flagged_chunks)

    def bm25(self) -> Bm25Config:
        return Bm25Config(k1=self.bm25_k1, b=self.bm25_b, stem=self.bm25_stemming)
