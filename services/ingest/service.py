"""Ingest as plain functions: parse and chunk a submitted document, then make the index hold exactly its chunks.

Replace semantics: the stored chunks of a document become the chunks of the submitted text. A deletion
(`delete=true`), like a text with no content (whitespace, or HTML without text), leaves it no chunks.
"""

from dataclasses import dataclass
from typing import Protocol, Sequence

from libs.contracts.documents import SubmitDocument
from libs.retrieval.chunking import ChunkingConfig, SourceDocument, chunk_document
from libs.retrieval.tokens import TokenCounter
from libs.stores.chunks import Chunk


class DocumentIndex(Protocol):
    def replace_document(self, tenant: str, document_id: str, chunks: Sequence[Chunk]) -> tuple[int, int]: ...


@dataclass(frozen=True)
class IngestResult:
    chunks: int
    added: int
    removed: int


def source_document(doc: SubmitDocument) -> SourceDocument:
    return SourceDocument(tenant=doc.tenant, document_id=doc.document_id, source=doc.source, text=doc.text, version=doc.version)


def ingest_document(index: DocumentIndex, counter: TokenCounter, config: ChunkingConfig, doc: SubmitDocument) -> IngestResult:
    chunks = chunk_document(source_document(doc), counter, config)
    added, removed = index.replace_document(doc.tenant, doc.document_id, chunks)
    return IngestResult(chunks=len(chunks), added=added, removed=removed)
