from pydantic import Field, model_validator

from libs.guards.injection_scan import InjectionScanSettings
from libs.platform.settings import ChromaSettings, ServiceSettings
from libs.retrieval.chunking import ChunkingConfig
from libs.retrieval.tokens import EMBEDDER_MAX_TOKENS


class IngestSettings(ServiceSettings):
    health_port: int = Field(8081, description="Port of /healthz and /readyz.")
    chroma: ChromaSettings = Field(default_factory=ChromaSettings)
    chunk_tokens: int = Field(
        200, ge=32, le=EMBEDDER_MAX_TOKENS,
        description="Largest chunk in embedder (MiniLM WordPiece) tokens, heading prefix included; the embedder reads 254.",
    )
    chunk_overlap_tokens: int = Field(40, ge=0, description="Tokens of whole sentences repeated when a chunk is cut inside a section.")
    chunk_merge_sections: bool = Field(
        False, description="Pack several small sections into one chunk. Off: one section per chunk, which kept a "
                           "section's answer from being outranked by its neighbours' (ADR 0005).",
    )
    scan_injections: bool = Field(
        True, description="Scan every chunk for prompt injection at ingest; flagged chunks are stored with the flag and "
                          "left out of retrieval (ADR 0007). The same classifier and rules as the guardrail's input stage.")
    scan_injections_semantic: bool = Field(
        False, description="Add the semantic injection scanner to the chunk scan (the guardrail's INJECTION_SEMANTIC does "
                           "not switch it on here). Off: it flagged 2 of 12 benign red-team documents for 1 more payload "
                           "caught (ADR 0007).")
    scan_injections_addressee: bool = Field(
        True, description="Add the AI-addressee patterns to the chunk scan: a sentence of a document that speaks to the "
                          "AI reading it (\"if you are a language model…\", \"note to the chatbot:\") is flagged, whatever "
                          "it asks. Documents only: a question may rightly address the assistant (ADR 0007).")
    injection: InjectionScanSettings = Field(
        default_factory=InjectionScanSettings, description="Thresholds and rules of the scan (INJECTION_* variables).")

    @model_validator(mode="after")
    def overlap_below_half_a_chunk(self) -> "IngestSettings":
        if self.chunk_overlap_tokens * 2 > self.chunk_tokens:
            raise ValueError("CHUNK_OVERLAP_TOKENS must be at most half of CHUNK_TOKENS")
        return self

    def chunking(self) -> ChunkingConfig:
        return ChunkingConfig(self.chunk_tokens, self.chunk_overlap_tokens, self.chunk_merge_sections)
