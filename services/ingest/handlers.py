"""Thin handler: chunk, index (in a worker thread), publish the ingest result."""

import asyncio

import structlog
from faststream.kafka import KafkaBroker

from libs.contracts import topics
from libs.contracts.documents import DocumentIngested, SubmitDocument
from libs.platform.telemetry import tracer
from libs.platform.timing import Stopwatch
from services.ingest.chunking import chunk_document
from services.ingest.settings import IngestSettings

log = structlog.get_logger(__name__)


class IngestHandlers:
    def __init__(self, broker: KafkaBroker, settings: IngestSettings) -> None:
        self.index = None  # a ChunkIndex, opened at start-up
        self._settings = settings
        self._ingested = broker.publisher(topics.DOCUMENT_INGESTED, title="ingested", schema=DocumentIngested)

    async def on_document(self, doc: SubmitDocument) -> None:
        watch = Stopwatch()
        chunks = chunk_document(
            doc.tenant, doc.document_id, doc.source, doc.text, self._settings.chunk_chars, self._settings.chunk_overlap_chars
        )
        with tracer().start_as_current_span("ingest.index") as span:
            added, removed = await asyncio.to_thread(self.index.replace_document, doc.tenant, doc.document_id, chunks)
            span.set_attribute("ragbus.chunks", len(chunks))
        result = DocumentIngested(
            **doc.envelope_for_next(), document_id=doc.document_id, chunks_added=added, chunks_removed=removed,
            elapsed_ms=round(watch.elapsed_ms(), 2),
        )
        await self._ingested.publish(result, key=doc.document_id.encode())
        log.info("document ingested", document_id=doc.document_id, chunks=len(chunks), added=added, removed=removed)
