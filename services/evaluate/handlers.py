"""Thin handler: sample by request id, score with the judge, store each score once, publish it."""

from faststream.kafka import KafkaBroker

from libs.contracts import topics
from libs.contracts.evaluation import AnswerScored
from libs.contracts.questions import AnswerCompleted, AnswerStatus
from libs.evaluation.judges import Judge
from libs.platform.sampling import is_sampled
from libs.stores.scores import ScoreStore


class EvaluateHandlers:
    def __init__(self, broker: KafkaBroker, judge: Judge, sample_rate: float) -> None:
        self.scores: ScoreStore | None = None  # opened at start-up
        self._judge = judge
        self._sample_rate = sample_rate
        self._scored = broker.publisher(topics.ANSWER_SCORED, title="scored", schema=AnswerScored)

    async def on_answer(self, answer: AnswerCompleted) -> None:
        if answer.status != AnswerStatus.OK or not is_sampled(answer.request_id, self._sample_rate):
            return
        for score in await self._judge.score(answer):
            if await self.scores.add(answer, score.metric, score.value, self._judge.name, self._judge.version):
                event = AnswerScored(
                    **answer.envelope_for_next(), metric=score.metric, value=score.value,
                    judge=self._judge.name, judge_version=self._judge.version, variant=answer.variant,
                )
                await self._scored.publish(event, key=answer.request_id.encode())
