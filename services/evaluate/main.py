"""App factory of the evaluate service."""

from faststream.asgi import AsgiFastStream

from libs.contracts import topics
from libs.contracts.questions import AnswerCompleted
from libs.evaluation.drift import DriftDetector
from libs.evaluation.judges import OfflineJudge
from libs.platform.broker import create_broker
from libs.platform.dead_letters import DeadLetterPublisher
from libs.platform.service_app import build_app
from libs.platform.stage import register_stage
from libs.stores.postgres import DatabaseLifecycle
from services.evaluate.handlers import EvaluateHandlers
from services.evaluate.settings import EvaluateSettings

SERVICE = "evaluate"


def create_app(settings: EvaluateSettings | None = None) -> AsgiFastStream:
    settings = settings or EvaluateSettings()
    broker = create_broker(settings.kafka, SERVICE)
    detector = DriftDetector(settings.drift_policy())
    handlers = EvaluateHandlers(broker, OfflineJudge(), settings.eval_sample_rate, detector)
    register_stage(
        broker, topic=topics.ANSWER_COMPLETED, group=SERVICE, event_type=AnswerCompleted, handle=handlers.on_answer,
        kafka=settings.kafka, dead_letters=DeadLetterPublisher(broker), attempts=settings.handler_attempts,
    )
    database = DatabaseLifecycle(settings.database_url, handlers.attach)

    return build_app(SERVICE, broker, on_startup=[database.open], on_shutdown=[database.close])
