"""Thin handlers: sample by request id, score with the judge, store each score once, publish it, watch drift;
record each dead letter (no payload) for the report."""

import asyncpg
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage

from libs.contracts import topics
from libs.contracts.evaluation import AlertRaised, AnswerScored
from libs.contracts.questions import AnswerCompleted
from libs.evaluation.drift import DriftDetector
from libs.evaluation.judges import Judge
from libs.platform.metrics import EVAL_SCORE, histogram
from libs.stores.answers import AnswerLog
from libs.stores.dead_letters import Coordinates, DeadLetterStore, row_for_record
from libs.stores.scores import DriftAlertStore, ScoreStore
from services.evaluate import service


class EvaluateHandlers:
    def __init__(self, broker: KafkaBroker, judge: Judge, sample_rate: float, detector: DriftDetector,
                 dead_letter_group: str, attempts: int = 3) -> None:
        self.scores: ScoreStore | None = None  # set at start-up, once the pool is open
        self.alerts: DriftAlertStore | None = None
        self.answer_log: AnswerLog | None = None  # for the retention purge
        self.dead_letters: DeadLetterStore | None = None
        self._dead_letter_group = dead_letter_group
        self._attempts = attempts
        self._judge = judge
        self._sample_rate = sample_rate
        self._detector = detector
        self._scored = broker.publisher(topics.ANSWER_SCORED, title="scored", schema=AnswerScored)
        self._alerts = broker.publisher(topics.ALERT_RAISED, title="alerts", schema=AlertRaised)

    def attach(self, pool: asyncpg.Pool) -> None:
        self.scores = ScoreStore(pool)
        self.alerts = DriftAlertStore(pool)
        self.answer_log = AnswerLog(pool)
        self.dead_letters = DeadLetterStore(pool)

    async def on_answer(self, answer: AnswerCompleted) -> None:
        if not service.should_score(answer, self._sample_rate):
            return
        scores = await service.record_scores(answer, self._judge, self.scores, self._publish_scored)
        for series in service.measured_series(answer, scores, self._judge):
            await service.check_drift(answer, series, self._detector, self.scores, self.alerts, self._publish_alert)

    async def on_dead_letter(self, msg: KafkaMessage) -> None:
        """Any record of the dead-letter topic becomes one row; one that is no dead letter is recorded as such."""
        record = msg.raw_message
        where = Coordinates(record.partition, record.offset, record.timestamp)
        row = row_for_record(msg.body, where, self._dead_letter_group)
        await service.record_dead_letter(row, self.dead_letters, self._attempts)

    async def _publish_scored(self, event: AnswerScored) -> None:
        """Called once per stored score (a redelivery finds it stored): the metric counts each score once."""
        await self._scored.publish(event, key=event.request_id.encode())
        if event.value is not None:
            histogram(EVAL_SCORE).record(event.value, {"metric": event.metric, "judge": event.judge, "variant": event.variant})

    async def _publish_alert(self, event: AlertRaised) -> None:
        await self._alerts.publish(event, key=event.request_id.encode())
