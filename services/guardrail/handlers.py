"""Thin handlers: call the guardrail decisions, store the final answer once, publish it."""

import structlog
from faststream.kafka import KafkaBroker

from libs.contracts import topics
from libs.contracts.questions import AnswerCompleted, AnswerDrafted, AnswerStatus, AskQuestion, QuestionScreened
from libs.platform.telemetry import current_trace_id
from libs.platform.timing import Stopwatch
from libs.stores.answers import AnswerLog
from services.guardrail import service
from services.guardrail.settings import GuardrailSettings

log = structlog.get_logger(__name__)


class GuardrailHandlers:
    def __init__(self, broker: KafkaBroker, settings: GuardrailSettings) -> None:
        self._broker = broker
        self._settings = settings
        self.answer_log: AnswerLog | None = None  # set at start-up, once the pool is open
        self._screened = broker.publisher(topics.QUESTION_SCREENED, title="screened", schema=QuestionScreened)
        self._completed = broker.publisher(topics.ANSWER_COMPLETED, title="completed", schema=AnswerCompleted)

    async def on_question(self, ask: AskQuestion) -> None:
        watch = Stopwatch()
        state = service.initial_state(ask)
        await self.answer_log.record_question(ask)
        if state.expired():
            expired = service.final_answer(ask.request_id, ask.tenant, state, AnswerStatus.EXPIRED,
                                           service.EXPIRED_MESSAGE, "deadline_passed")
            await self._finish(expired, ask.reply_to)
            return
        checks = service.screen_question(ask, self._settings.max_question_chars)
        state = state.with_stage("guardrail_in", watch.elapsed_ms(), checks)
        failed = [c.check for c in checks if not c.passed]
        if failed:
            reason = f"{failed[0]}_exceeded"
            blocked = service.final_answer(ask.request_id, ask.tenant, state, AnswerStatus.BLOCKED,
                                           service.BLOCKED_MESSAGE.format(reason=reason), reason)
            await self._finish(blocked, ask.reply_to)
            return
        screened = QuestionScreened(**ask.envelope_for_next(), state=state)
        await self._screened.publish(screened, key=ask.request_id.encode())

    async def on_draft(self, draft: AnswerDrafted) -> None:
        watch = Stopwatch()
        answer = service.decide_output(draft)
        stage_ms = {**answer.stage_ms, "guardrail_out": round(watch.elapsed_ms(), 2)}
        await self._finish(answer.model_copy(update={"stage_ms": stage_ms}), draft.state.reply_to)

    async def _finish(self, answer: AnswerCompleted, reply_to: str) -> None:
        answer = answer.model_copy(update={"trace_id": answer.trace_id or current_trace_id()})
        stored = await self.answer_log.finalise(answer)
        key = stored.request_id.encode()
        await self._completed.publish(stored, key=key)
        if reply_to != topics.ANSWER_COMPLETED:
            await self._broker.publish(stored, topic=reply_to, key=key)
        log.info("answer completed", status=stored.status.value, reason=stored.reason, total_ms=stored.total_ms)
