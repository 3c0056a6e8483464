"""App factory of the retrieve service."""

import asyncio

from faststream.asgi import AsgiFastStream

from libs.contracts import topics
from libs.contracts.questions import QuestionScreened
from libs.platform.broker import create_broker
from libs.platform.dead_letters import DeadLetterPublisher
from libs.platform.service_app import build_app
from libs.platform.stage import register_stage
from services.retrieve.handlers import RetrieveHandlers
from services.retrieve.settings import RetrieveSettings

SERVICE = "retrieve"


def create_app(settings: RetrieveSettings | None = None) -> AsgiFastStream:
    settings = settings or RetrieveSettings()
    broker = create_broker(settings.kafka, SERVICE)
    handlers = RetrieveHandlers(broker)
    register_stage(
        broker, topic=topics.QUESTION_SCREENED, group=SERVICE, event_type=QuestionScreened, handle=handlers.on_screened,
        kafka=settings.kafka, dead_letters=DeadLetterPublisher(broker), attempts=settings.handler_attempts,
    )

    async def open_index() -> None:
        from libs.stores.chunk_index import open_chunk_index  # chromadb is heavy: imported at start, not import

        handlers.index = await asyncio.to_thread(open_chunk_index, settings.chroma)

    return build_app(SERVICE, broker, on_startup=[open_index])
