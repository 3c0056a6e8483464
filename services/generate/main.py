"""App factory of the generate service: nothing connects until the app starts.

With an API key the cost ledger and the draft cache need PostgreSQL (opened, and migrated, at start-up);
offline they do not. Prompt files and the variant split are checked here, before anything starts.
"""

from faststream.asgi import AsgiFastStream

from libs.contracts import topics
from libs.contracts.questions import ContextRetrieved
from libs.platform.broker import create_broker
from libs.platform.dead_letters import DeadLetterPublisher
from libs.platform.service_app import build_app
from libs.platform.stage import register_stage
from libs.stores.postgres import DatabaseLifecycle
from services.generate.handlers import GenerateHandlers
from services.generate.service import assign_variant
from services.generate.settings import GenerateSettings
from services.generate.wiring import attach_database, build_deps

SERVICE = "generate"


def create_app(settings: GenerateSettings | None = None) -> AsgiFastStream:
    settings = settings or GenerateSettings()
    broker = create_broker(settings.kafka, SERVICE)
    handlers = GenerateHandlers(broker, build_deps(settings))

    async def on_context(context: ContextRetrieved) -> None:  # the variant is decided first: all below record it
        await handlers.on_context(assign_variant(context, handlers.deps.split))

    register_stage(
        broker, topic=topics.CONTEXT_RETRIEVED, group=SERVICE, event_type=ContextRetrieved, handle=on_context,
        kafka=settings.kafka, dead_letters=DeadLetterPublisher(broker), attempts=settings.handler_attempts,
        workers=settings.consumer_workers,
    )
    if not handlers.deps.rungs:
        return build_app(SERVICE, broker)
    database = DatabaseLifecycle(settings.database_url, lambda pool: attach_database(handlers.deps, pool, settings))
    return build_app(SERVICE, broker, on_startup=[database.open], on_shutdown=[database.close])
