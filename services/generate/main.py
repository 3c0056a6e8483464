"""App factory of the generate service."""

from faststream.asgi import AsgiFastStream

from libs.contracts import topics
from libs.contracts.questions import ContextRetrieved
from libs.platform.broker import create_broker
from libs.platform.dead_letters import DeadLetterPublisher
from libs.platform.service_app import build_app
from libs.platform.stage import register_stage
from services.generate.handlers import GenerateHandlers
from services.generate.settings import GenerateSettings
from services.generate.wiring import build_generator

SERVICE = "generate"


def create_app(settings: GenerateSettings | None = None) -> AsgiFastStream:
    settings = settings or GenerateSettings()
    broker = create_broker(settings.kafka, SERVICE)
    handlers = GenerateHandlers(broker, build_generator(settings))
    register_stage(
        broker, topic=topics.CONTEXT_RETRIEVED, group=SERVICE, event_type=ContextRetrieved, handle=handlers.on_context,
        kafka=settings.kafka, dead_letters=DeadLetterPublisher(broker), attempts=settings.handler_attempts,
    )
    return build_app(SERVICE, broker)
