"""Thin handlers: run the guardrail stages off the event loop, store the final answer once, publish it."""

import asyncio

import structlog
from faststream.kafka import KafkaBroker

from libs.contracts import topics
from libs.contracts.questions import AnswerCompleted, AnswerDrafted, AnswerStatus, AskQuestion, QuestionScreened, RequestState
from libs.platform import telemetry
from libs.platform.telemetry import current_trace_id, tracer
from libs.platform.timing import Stopwatch
from libs.stores.answers import AnswerLog
from services.guardrail import measures, service
from services.guardrail.guards import Guards
from services.guardrail.input_stage import screen_question
from services.guardrail.output_stage import decide_output
from services.guardrail.retry import retry_of
from services.guardrail.settings import GuardrailSettings

NOT_SCREENED = "[not screened: the deadline had passed on arrival]"

log = structlog.get_logger(__name__)


class GuardrailHandlers:
    def __init__(self, broker: KafkaBroker, settings: GuardrailSettings) -> None:
        self._broker = broker
        self._settings = settings
        self.answer_log: AnswerLog | None = None  # set at start-up, once the pool is open
        self.guards: Guards | None = None  # loaded at start-up (spaCy and the classifiers take seconds)
        self._screened = broker.publisher(topics.QUESTION_SCREENED, title="screened", schema=QuestionScreened)
        self._completed = broker.publisher(topics.ANSWER_COMPLETED, title="completed", schema=AnswerCompleted)

    async def on_question(self, ask: AskQuestion) -> None:
        watch = Stopwatch()
        if service.initial_state(ask, NOT_SCREENED).expired():
            await self._expire_unscreened(ask, watch)
            return
        with tracer().start_as_current_span(telemetry.GUARDRAIL_SCREEN_QUESTION) as span:
            screening = await asyncio.to_thread(screen_question, ask.question, ask.tenant, self.guards, self._settings)
            span.set_attributes(service.span_attributes(screening.checks, screening.blocked_reason))
        measures.record_checks("input", screening.checks)
        await self.answer_log.record_question(ask, screening.stored_question)
        state = service.initial_state(ask, screening.question).with_stage("guardrail_in", watch.elapsed_ms(), screening.checks)
        if state.expired() or screening.blocked_reason:
            await self._finish(self._refusal(ask, state, screening.blocked_reason), ask.reply_to)
            return
        screened = QuestionScreened(**ask.envelope_for_next(), state=state)
        await self._screened.publish(screened, key=ask.request_id.encode())

    async def _expire_unscreened(self, ask: AskQuestion, watch: Stopwatch) -> None:
        """Past its deadline on arrival (a backlog): answered expired without the screening nobody waits for.
        The question is not read, so a placeholder is stored in its place, never the unredacted text."""
        await self.answer_log.record_question(ask, NOT_SCREENED)
        state = service.initial_state(ask, NOT_SCREENED).with_stage("guardrail_in", watch.elapsed_ms())
        await self._finish(self._refusal(ask, state, ""), ask.reply_to)

    def _refusal(self, ask: AskQuestion, state: RequestState, blocked_reason: str) -> AnswerCompleted:
        if state.expired():
            return service.final_answer(ask.request_id, ask.tenant, state, AnswerStatus.EXPIRED, service.EXPIRED_MESSAGE, "deadline_passed")
        message = service.BLOCKED_MESSAGE.format(reason=blocked_reason)
        return service.final_answer(ask.request_id, ask.tenant, state, AnswerStatus.BLOCKED, message, blocked_reason)

    async def on_draft(self, draft: AnswerDrafted) -> None:
        watch = Stopwatch()
        with tracer().start_as_current_span(telemetry.GUARDRAIL_CHECK_ANSWER) as span:
            answer = await asyncio.to_thread(decide_output, draft, self.guards, self._settings)
            span.set_attributes(service.span_attributes(answer.checks, answer.reason))
            again = retry_of(draft, answer, self._settings)
        measures.record_checks("output", answer.checks[len(draft.state.checks):])
        if again is not None:
            measures.record_checks("output", again.state.checks[-1:])
            log.info("low confidence: retrieving again", reason=answer.reason, top_k=again.state.top_k, retries=again.state.retries)
            await self._screened.publish(again, key=draft.request_id.encode())
            return
        stage_ms = {**answer.stage_ms, "guardrail_out": round(watch.elapsed_ms(), 2)}
        await self._finish(answer.model_copy(update={"stage_ms": stage_ms}), draft.state.reply_to)

    async def _finish(self, answer: AnswerCompleted, reply_to: str) -> None:
        answer = answer.model_copy(update={"trace_id": answer.trace_id or current_trace_id()})
        stored = await self.answer_log.finalise(answer)
        if stored.event_id == answer.event_id:  # stored just now: a redelivery republishes, it is not counted again
            measures.record_answer(stored)
        key = stored.request_id.encode()
        await self._completed.publish(stored, key=key)
        if reply_to != topics.ANSWER_COMPLETED:
            await self._broker.publish(stored, topic=reply_to, key=key)
        log.info("answer completed", status=stored.status.value, reason=stored.reason, total_ms=stored.total_ms)
