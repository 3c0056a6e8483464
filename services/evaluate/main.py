"""App factory of the evaluate service: the judge is chosen by settings (EVAL_JUDGE), nothing connects until start."""

from faststream.asgi import AsgiFastStream

from libs.contracts import topics
from libs.contracts.questions import AnswerCompleted
from libs.evaluation.drift import DriftDetector
from libs.evaluation.judge_factory import build_judge
from libs.evaluation.llm_judge import LlmJudge
from libs.models.breakers import observe_breakers
from libs.platform.broker import create_broker
from libs.platform.dead_letters import DeadLetterPublisher
from libs.platform.periodic import Periodic
from libs.platform.service_app import build_app
from libs.platform.stage import register_stage
from libs.stores.cost_ledger import PostgresCostLedger
from libs.stores.postgres import DatabaseLifecycle
from services.evaluate import service
from services.evaluate.handlers import EvaluateHandlers
from services.evaluate.settings import EvaluateSettings

SERVICE = "evaluate"


def create_app(settings: EvaluateSettings | None = None) -> AsgiFastStream:
    settings = settings or EvaluateSettings()
    broker = create_broker(settings.kafka, SERVICE)
    detector = DriftDetector(settings.drift_policy())
    board = settings.board()
    observe_breakers(board)  # empty unless the judge is an LLM
    judge = build_judge(settings, board)
    handlers = EvaluateHandlers(broker, judge, settings.eval_sample_rate, detector)
    register_stage(
        broker, topic=topics.ANSWER_COMPLETED, group=SERVICE, event_type=AnswerCompleted, handle=handlers.on_answer,
        kafka=settings.kafka, dead_letters=DeadLetterPublisher(broker), attempts=settings.handler_attempts,
    )

    def attach(pool) -> None:
        handlers.attach(pool)
        if isinstance(judge, LlmJudge):  # judge calls are costed in generation's ledger, as purpose "judge"
            judge.ledger = PostgresCostLedger(pool)

    database = DatabaseLifecycle(settings.database_url, attach)
    retention = retention_purge(handlers, settings)
    return build_app(SERVICE, broker, on_startup=[database.open, retention.start], on_shutdown=[retention.stop, database.close])


def retention_purge(handlers: EvaluateHandlers, settings: EvaluateSettings) -> Periodic:
    """Questions and answers past ANSWER_RETENTION_DAYS are deleted every RETENTION_PURGE_INTERVAL_S (not at all with 0 days)."""
    keep = settings.retention()
    interval_s = settings.retention_purge_interval_s if keep else 0.0
    return Periodic("retention-purge", lambda: service.purge_expired(handlers.answer_log, keep), interval_s)
