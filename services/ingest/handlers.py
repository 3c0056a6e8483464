"""Thin handler: chunk, scan and index (in a worker thread: the tokenizer, the injection classifier, the embedder
and Chroma block), publish the result."""

import asyncio

import structlog
from faststream.kafka import KafkaBroker

from libs.contracts import topics
from libs.contracts.documents import DocumentIngested, SubmitDocument
from libs.platform.telemetry import tracer
from libs.platform.timing import Stopwatch
from libs.retrieval.tokens import TokenCounter
from services.ingest.service import ChunkScan, DocumentIndex, IngestResult, ingest_document
from services.ingest.settings import IngestSettings

log = structlog.get_logger(__name__)


class IngestHandlers:
    def __init__(self, broker: KafkaBroker, settings: IngestSettings) -> None:
        self.index: DocumentIndex | None = None  # a ChunkIndex, opened at start-up
        self.counter: TokenCounter | None = None  # the embedder's tokenizer, loaded at start-up
        self.scan: ChunkScan | None = None  # the prompt-injection scan, loaded at start-up unless switched off
        self._chunking = settings.chunking()
        self._ingested = broker.publisher(topics.DOCUMENT_INGESTED, title="ingested", schema=DocumentIngested)

    async def on_document(self, doc: SubmitDocument) -> None:
        watch = Stopwatch()
        with tracer().start_as_current_span("ingest.index") as span:
            result = await asyncio.to_thread(ingest_document, self.index, self.counter, self._chunking, doc, self.scan)
            span.set_attribute("ragbus.chunks", result.chunks)
            span.set_attribute("ragbus.chunks_flagged", len(result.flagged))
        ingested = DocumentIngested(
            **doc.envelope_for_next(), document_id=doc.document_id, chunks_added=result.added,
            chunks_updated=result.updated, chunks_removed=result.removed, chunks_flagged=len(result.flagged), elapsed_ms=round(watch.elapsed_ms(), 2),
        )
        await self._ingested.publish(ingested, key=doc.document_id.encode())
        log_flagged(doc, result)
        log.info("document ingested", document_id=doc.document_id, version=doc.version, chunks=result.chunks,
                 added=result.added, updated=result.updated, removed=result.removed, flagged=len(result.flagged))


def log_flagged(doc: SubmitDocument, result: IngestResult) -> None:
    """One warning per flagged chunk, with the scanners' reason and never the chunk's text."""
    for chunk in result.flagged:
        log.warning("chunk flagged as prompt injection", document_id=doc.document_id, chunk_id=chunk.chunk_id,
                    heading_path=chunk.heading_path, score=chunk.injection_score, reason=chunk.injection_reason)
