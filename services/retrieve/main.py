"""App factory of the retrieve service."""

import asyncio

from faststream import AckPolicy
from faststream.asgi import AsgiFastStream
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage

from libs.contracts import topics
from libs.contracts.questions import QuestionScreened
from libs.models.embedder import MODEL_ID, MiniLmEmbedder
from libs.platform.broker import create_broker
from libs.platform.dead_letters import DeadLetterPublisher
from libs.platform.service_app import build_app
from libs.platform.stage import register_stage
from libs.retrieval.tokens import MiniLmTokenCounter
from libs.retrieval.traced_embedder import TracedEmbedder
from services.retrieve.handlers import RetrieveHandlers
from services.retrieve.service import hybrid_retriever, lexical_indexes
from services.retrieve.settings import RetrieveSettings

SERVICE = "retrieve"


def subscribe_to_document_changes(broker: KafkaBroker, handlers: RetrieveHandlers, settings: RetrieveSettings) -> None:
    """Every instance reads every ingest result (no consumer group: nothing to share, nothing to commit),
    from the end of the topic: an index built at start-up already holds what was ingested before."""

    async def on_document_ingested(msg: KafkaMessage) -> None:
        await handlers.on_document_changed(msg.body)

    broker.subscriber(
        topics.DOCUMENT_INGESTED, group_id=None, auto_offset_reset="latest", ack_policy=AckPolicy.ACK_FIRST,
        fetch_max_wait_ms=settings.kafka.fetch_max_wait_ms, title=f"{SERVICE}-bm25:{topics.DOCUMENT_INGESTED}",
        description="A document changed: its tenant's BM25 index is rebuilt from Chroma on the next search.",
    )(on_document_ingested)


def create_app(settings: RetrieveSettings | None = None) -> AsgiFastStream:
    settings = settings or RetrieveSettings()
    broker = create_broker(settings.kafka, SERVICE)
    handlers = RetrieveHandlers(broker)
    register_stage(
        broker, topic=topics.QUESTION_SCREENED, group=SERVICE, event_type=QuestionScreened, handle=handlers.on_screened,
        kafka=settings.kafka, dead_letters=DeadLetterPublisher(broker), attempts=settings.handler_attempts,
        workers=settings.consumer_workers,
    )
    subscribe_to_document_changes(broker, handlers, settings)

    async def open_retriever() -> None:
        from libs.stores.chunk_index import open_chunk_index  # chromadb is heavy: imported at start, not import

        model = await asyncio.to_thread(MiniLmEmbedder, threads=settings.query_embedding_threads)
        embedder = TracedEmbedder(model, MODEL_ID)
        store = await asyncio.to_thread(open_chunk_index, settings.chroma, embedder)
        handlers.lexical = lexical_indexes(store.tenant_chunks, settings)
        counter = await asyncio.to_thread(MiniLmTokenCounter)
        handlers.retriever = hybrid_retriever(store, handlers.lexical, counter, settings)

    return build_app(SERVICE, broker, on_startup=[open_retriever])
