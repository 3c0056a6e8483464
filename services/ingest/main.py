"""App factory of the ingest service."""

import asyncio

from faststream.asgi import AsgiFastStream

from libs.contracts import topics
from libs.contracts.documents import SubmitDocument
from libs.guards.injection_scan import InjectionScan, InjectionScanSettings, load_injection_scanners
from libs.guards.semantic_injection import Embedder
from libs.platform.broker import create_broker
from libs.platform.dead_letters import DeadLetterPublisher
from libs.platform.service_app import build_app
from libs.platform.stage import register_stage
from libs.retrieval.tokens import MiniLmTokenCounter
from services.ingest.handlers import IngestHandlers
from services.ingest.settings import IngestSettings

SERVICE = "ingest"


def load_chunk_scan(settings: InjectionScanSettings, semantic: bool = False,
                    embedder: Embedder | None = None, addressee: bool = True) -> InjectionScan:
    """The guardrail's injection scanners, warmed up so the first document does not pay for loading them.
    `embedder`: the index's MiniLM, which the semantic scanner (when switched on) shares."""
    scan = InjectionScan(load_injection_scanners(settings, semantic, embedder, documents=True, addressee=addressee))
    scan.verdict("Warm-up: where do suppliers send their invoices?")
    return scan


def create_app(settings: IngestSettings | None = None) -> AsgiFastStream:
    settings = settings or IngestSettings()
    broker = create_broker(settings.kafka, SERVICE)
    handlers = IngestHandlers(broker, settings)
    register_stage(
        broker, topic=topics.DOCUMENT_SUBMITTED, group=SERVICE, event_type=SubmitDocument, handle=handlers.on_document,
        kafka=settings.kafka, dead_letters=DeadLetterPublisher(broker), attempts=settings.handler_attempts,
    )

    async def open_index() -> None:
        from libs.models.embedder import MiniLmEmbedder
        from libs.stores.chunk_index import open_chunk_index  # chromadb is heavy: imported at start, not import

        embedder = await asyncio.to_thread(MiniLmEmbedder)
        handlers.counter = await asyncio.to_thread(MiniLmTokenCounter)
        handlers.index = await asyncio.to_thread(open_chunk_index, settings.chroma, embedder)
        if settings.scan_injections:
            handlers.scan = await asyncio.to_thread(
                load_chunk_scan, settings.injection, settings.scan_injections_semantic, embedder,
                settings.scan_injections_addressee)

    return build_app(SERVICE, broker, on_startup=[open_index])
