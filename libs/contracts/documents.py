"""Messages of the ingest flow (docs.* topics)."""

from pydantic import Field, model_validator

from libs.contracts.envelope import Envelope

MAX_DOCUMENT_CHARS = 2_000_000


class SubmitDocument(Envelope):
    """A document to index for a tenant (docs.document-submitted.v1). `request_id` tracks the submission."""

    document_id: str = Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9._/-]+$")
    source: str = Field(min_length=1, max_length=500, description="Where the document came from (path or URL).")
    text: str = Field(default="", max_length=MAX_DOCUMENT_CHARS, description="The document; empty only with `delete`.")
    version: str = Field(default="1", max_length=64)
    delete: bool = Field(default=False, description="Remove every chunk of the document; `text` must be empty.")

    @model_validator(mode="after")
    def text_or_delete(self) -> "SubmitDocument":
        if self.delete and self.text:
            raise ValueError("a deletion carries no text")
        if not self.delete and not self.text:
            raise ValueError("text is empty: send delete=true to remove a document")
        return self


class DocumentIngested(Envelope):
    """Result of one submission (docs.document-ingested.v1)."""

    document_id: str
    chunks_added: int
    chunks_updated: int = Field(
        default=0, description="Chunks already stored whose metadata (version, source, injection verdict) changed: not embedded again.")
    chunks_removed: int = 0
    chunks_flagged: int = Field(
        default=0, description="Chunks of the document the prompt-injection scan flagged: stored, never retrieved by default.")
    elapsed_ms: float
