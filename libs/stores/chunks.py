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
    heading_path: str = ""
    version: str = "1"

    def metadata(self) -> dict[str, str | int]:
        """What the store keeps beside the text, so the chunk can be rebuilt from the store alone."""
        return {"tenant": self.tenant, "document_id": self.document_id, "source": self.source,
                "position": self.position, "heading_path": self.heading_path, "version": self.version}

    @classmethod
    def from_stored(cls, chunk_id: str, text: str, metadata: dict) -> "Chunk":
        return cls(chunk_id, metadata["document_id"], metadata["tenant"], metadata["source"], text,
                   int(metadata["position"]), str(metadata.get("heading_path", "")), str(metadata.get("version", "1")))


@dataclass(frozen=True)
class ScoredChunk:
    chunk: Chunk
    score: float
