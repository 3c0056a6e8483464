"""Ingest as plain functions: parse and chunk a submitted document, scan its chunks for prompt injection, then
make the index hold exactly its chunks.

Replace semantics: the stored chunks of a document become the chunks of the submitted text. A deletion
(`delete=true`), like a text with no content (whitespace, or HTML without text), leaves it no chunks.
A chunk the injection scan flags is stored with the flag, score and reason; retrieval leaves it out (ADR 0007).
Every chunk is scanned on every submission, unchanged ones too, so a changed scanner re-flags on re-ingest.
"""

from dataclasses import dataclass, replace
from typing import Protocol, Sequence

from libs.contracts.documents import SubmitDocument
from libs.guards.injection_scan import InjectionVerdict
from libs.retrieval.chunking import ChunkingConfig, SourceDocument, chunk_document
from libs.retrieval.tokens import TokenCounter
from libs.stores.chunk_index import IndexChange
from libs.stores.chunks import Chunk


class DocumentIndex(Protocol):
    def replace_document(self, tenant: str, document_id: str, chunks: Sequence[Chunk]) -> IndexChange: ...


class ChunkScan(Protocol):
    def verdict(self, text: str, heading_path: str = "") -> InjectionVerdict: ...


@dataclass(frozen=True)
class IngestResult:
    chunks: int
    added: int
    updated: int
    removed: int
    flagged: tuple[Chunk, ...] = ()


def source_document(doc: SubmitDocument) -> SourceDocument:
    return SourceDocument(tenant=doc.tenant, document_id=doc.document_id, source=doc.source, text=doc.text, version=doc.version)


def scanned(chunks: Sequence[Chunk], scan: ChunkScan | None) -> list[Chunk]:
    """The chunks with the scan's verdict in their metadata; unchanged when scanning is off."""
    if scan is None:
        return list(chunks)
    return [with_verdict(chunk, scan.verdict(chunk.text, chunk.heading_path)) for chunk in chunks]


def with_verdict(chunk: Chunk, verdict: InjectionVerdict) -> Chunk:
    return replace(chunk, injection_flagged=verdict.flagged, injection_score=round(verdict.score, 4),
                   injection_reason=verdict.reason[:500])


def ingest_document(index: DocumentIndex, counter: TokenCounter, config: ChunkingConfig, doc: SubmitDocument,
                    scan: ChunkScan | None = None) -> IngestResult:
    chunks = scanned(chunk_document(source_document(doc), counter, config), scan)
    change = index.replace_document(doc.tenant, doc.document_id, chunks)
    flagged = tuple(chunk for chunk in chunks if chunk.injection_flagged)
    return IngestResult(chunks=len(chunks), added=change.added, updated=change.updated, removed=change.removed,
                        flagged=flagged)
