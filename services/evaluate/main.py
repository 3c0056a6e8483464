"""App factory of the evaluate service: the judge is chosen by settings (EVAL_JUDGE), nothing connects until start.

Besides scoring answers, evaluate records every dead letter in PostgreSQL for `ragbus report`, in its own consumer
group (`evaluate-dead-letters`), so a backlog of either never holds up the other. That consumer is no stage: what
it cannot read is recorded as unreadable, never dead-lettered again (it would read its own dead letters).
"""

from faststream.asgi import AsgiFastStream
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage

from libs.contracts import topics
from libs.contracts.evaluation import DeadLetter
from libs.contracts.questions import AnswerCompleted
from libs.evaluation.drift import DriftDetector
from libs.evaluation.judge_factory import build_judge
from libs.evaluation.llm_judge import LlmJudge
from libs.models.breakers import observe_breakers
from libs.platform.broker import create_broker
from libs.platform.dead_letters import DeadLetterPublisher
from libs.platform.periodic import Periodic
from libs.platform.service_app import build_app
from libs.platform.settings import KafkaSettings
from libs.platform.stage import parse_tolerantly, raw_body, register_stage, subscriber_options
from libs.stores.cost_ledger import PostgresCostLedger
from libs.stores.postgres import DatabaseLifecycle
from services.evaluate import service
from services.evaluate.handlers import EvaluateHandlers
from services.evaluate.settings import EvaluateSettings

SERVICE = "evaluate"
DEAD_LETTER_GROUP = f"{SERVICE}-dead-letters"


def create_app(settings: EvaluateSettings | None = None) -> AsgiFastStream:
    settings = settings or EvaluateSettings()
    broker = create_broker(settings.kafka, SERVICE)
    detector = DriftDetector(settings.drift_policy())
    board = settings.board()
    observe_breakers(board)  # empty unless the judge is an LLM
    judge = build_judge(settings, board)
    handlers = EvaluateHandlers(broker, judge, settings.eval_sample_rate, detector, DEAD_LETTER_GROUP,
                                settings.handler_attempts)
    register_stage(
        broker, topic=topics.ANSWER_COMPLETED, group=SERVICE, event_type=AnswerCompleted, handle=handlers.on_answer,
        kafka=settings.kafka, dead_letters=DeadLetterPublisher(broker), attempts=settings.handler_attempts,
    )
    record_dead_letters(broker, handlers, settings.kafka)

    def attach(pool) -> None:
        handlers.attach(pool)
        if isinstance(judge, LlmJudge):  # judge calls are costed in generation's ledger, as purpose "judge"
            judge.ledger = PostgresCostLedger(pool)

    database = DatabaseLifecycle(settings.database_url, attach)
    retention, letters = retention_purge(handlers, settings), dead_letter_purge(handlers, settings)
    return build_app(SERVICE, broker, on_startup=[database.open, retention.start, letters.start],
                     on_shutdown=[letters.stop, retention.stop, database.close])


def record_dead_letters(broker: KafkaBroker, handlers: EvaluateHandlers, kafka: KafkaSettings) -> None:
    """Subscribe to the dead-letter topic; the raw record reaches the handler (see libs/platform/stage.py)."""

    async def evaluate_dead_letters_consumes_ops_dead_lettered_v1(msg: KafkaMessage) -> None:
        await handlers.on_dead_letter(msg)

    broker.subscriber(
        topics.DEAD_LETTERED, title=f"{DEAD_LETTER_GROUP}:{topics.DEAD_LETTERED}", description=DeadLetter.__doc__,
        parser=parse_tolerantly, decoder=raw_body, **subscriber_options(kafka, DEAD_LETTER_GROUP),
    )(evaluate_dead_letters_consumes_ops_dead_lettered_v1)


def retention_purge(handlers: EvaluateHandlers, settings: EvaluateSettings) -> Periodic:
    """Questions and answers past ANSWER_RETENTION_DAYS are deleted every RETENTION_PURGE_INTERVAL_S (not at all with 0 days)."""
    keep = settings.retention()
    interval_s = settings.retention_purge_interval_s if keep else 0.0
    return Periodic("retention-purge", lambda: service.purge_expired(handlers.answer_log, keep), interval_s)


def dead_letter_purge(handlers: EvaluateHandlers, settings: EvaluateSettings) -> Periodic:
    """Dead-letter rows past DEAD_LETTER_RETENTION_DAYS are deleted every RETENTION_PURGE_INTERVAL_S (never with 0)."""
    keep = settings.dead_letter_retention()
    interval_s = settings.retention_purge_interval_s if keep else 0.0
    return Periodic("dead-letter-purge", lambda: service.purge_dead_letters(handlers.dead_letters, keep), interval_s)
