"""Thin handler: chunk and index (in a worker thread: the tokenizer, embedder and Chroma block), publish the result."""

import asyncio

import structlog
from faststream.kafka import KafkaBroker

from libs.contracts import topics
from libs.contracts.documents import DocumentIngested, SubmitDocument
from libs.platform.telemetry import tracer
from libs.platform.timing import Stopwatch
from libs.retrieval.tokens import TokenCounter
from services.ingest.service import DocumentIndex, ingest_document
from services.ingest.settings import IngestSettings

log = structlog.get_logger(__name__)


class IngestHandlers:
    def __init__(self, broker: KafkaBroker, settings: IngestSettings) -> None:
        self.index: DocumentIndex | None = None  # a ChunkIndex, opened at start-up
        self.counter: TokenCounter | None = None  # the embedder's tokenizer, loaded at start-up
        self._chunking = settings.chunking()
        self._ingested = broker.publisher(topics.DOCUMENT_INGESTED, title="ingested", schema=DocumentIngested)

    async def on_document(self, doc: SubmitDocument) -> None:
        watch = Stopwatch()
        with tracer().start_as_current_span("ingest.index") as span:
            result = await asyncio.to_thread(ingest_document, self.index, self.counter, self._chunking, doc)
            span.set_attribute("ragbus.chunks", result.chunks)
        ingested = DocumentIngested(
            **doc.envelope_for_next(), document_id=doc.document_id, chunks_added=result.added,
            chunks_removed=result.removed, elapsed_ms=round(watch.elapsed_ms(), 2),
        )
        await self._ingested.publish(ingested, key=doc.document_id.encode())
        log.info("document ingested", document_id=doc.document_id, version=doc.version, chunks=result.chunks,
                 added=result.added, removed=result.removed)
