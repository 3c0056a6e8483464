"""Chunk records, independent of the store that holds them."""

from dataclasses import dataclass

FLAGGED = "injection_flagged"


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
    injection_flagged: bool = False  # the ingest scan found instructions aimed at the assistant (ADR 0007)
    injection_score: float = 0.0
    injection_reason: str = ""

    def metadata(self) -> dict[str, str | int | float | bool]:
        """What the store keeps beside the text, so the chunk can be rebuilt from the store alone."""
        return {"tenant": self.tenant, "document_id": self.document_id, "source": self.source,
                "position": self.position, "heading_path": self.heading_path, "version": self.version,
                FLAGGED: self.injection_flagged, "injection_score": self.injection_score,
                "injection_reason": self.injection_reason}

    @classmethod
    def from_stored(cls, chunk_id: str, text: str, metadata: dict) -> "Chunk":
        """A chunk stored before the ingest scan existed has no flag: it reads as unflagged."""
        return cls(chunk_id, metadata["document_id"], metadata["tenant"], metadata["source"], text,
                   int(metadata["position"]), str(metadata.get("heading_path", "")), str(metadata.get("version", "1")),
                   bool(metadata.get(FLAGGED, False)), float(metadata.get("injection_score", 0.0)),
                   str(metadata.get("injection_reason", "")))


@dataclass(frozen=True)
class ScoredChunk:
    chunk: Chunk
    score: float
