"""App factory of the guardrail service: nothing connects until the app starts."""

from faststream.asgi import AsgiFastStream

from libs.contracts import topics
from libs.contracts.questions import AnswerDrafted, AskQuestion
from libs.platform.broker import create_broker
from libs.platform.dead_letters import DeadLetterPublisher
from libs.platform.service_app import build_app
from libs.platform.stage import register_stage
from libs.stores.answers import AnswerLog
from libs.stores.postgres import DatabaseLifecycle
from services.guardrail.guards import GuardsLifecycle
from services.guardrail.handlers import GuardrailHandlers
from services.guardrail.settings import GuardrailSettings

SERVICE = "guardrail"


def create_app(settings: GuardrailSettings | None = None) -> AsgiFastStream:
    settings = settings or GuardrailSettings()
    broker = create_broker(settings.kafka, SERVICE)
    handlers = GuardrailHandlers(broker, settings)
    dead_letters = DeadLetterPublisher(broker)
    common = {"group": SERVICE, "kafka": settings.kafka, "dead_letters": dead_letters, "attempts": settings.handler_attempts}
    register_stage(broker, topic=topics.QUESTION_ASKED, event_type=AskQuestion, handle=handlers.on_question, **common)
    register_stage(broker, topic=topics.ANSWER_DRAFTED, event_type=AnswerDrafted, handle=handlers.on_draft, **common)
    database = DatabaseLifecycle(settings.database_url, lambda pool: setattr(handlers, "answer_log", AnswerLog(pool)))
    guards = GuardsLifecycle(settings, lambda loaded: setattr(handlers, "guards", loaded))

    return build_app(SERVICE, broker, on_startup=[guards.load, database.open], on_shutdown=[database.close])
