"""Chunk records, independent of the store that holds them."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Chunk:
    chunk_id: str
    document_id: str
    tenant: str
    source: str
    text: str
    position: int


@dataclass(frozen=True)
class ScoredChunk:
    chunk: Chunk
    score: float
