"""Thin handler: generate the draft (unless the deadline passed) and publish it."""

from faststream.kafka import KafkaBroker

from libs.contracts import topics
from libs.contracts.questions import AnswerDrafted, ContextRetrieved
from libs.models.generation import Draft, Generator
from libs.platform.telemetry import tracer
from libs.platform.timing import Stopwatch


class GenerateHandlers:
    def __init__(self, broker: KafkaBroker, generator: Generator) -> None:
        self._generator = generator
        self._drafted = broker.publisher(topics.ANSWER_DRAFTED, title="drafted", schema=AnswerDrafted)

    async def on_context(self, context: ContextRetrieved) -> None:
        watch = Stopwatch()
        state = context.state
        draft = Draft(answer="", citations=[], model="none")
        if not state.expired() and context.chunks:
            with tracer().start_as_current_span("generate.model_call") as span:
                draft = await self._generator.generate(state.question, context.chunks)
                span.set_attributes({"gen_ai.request.model": draft.model, "gen_ai.usage.input_tokens": draft.usage.input_tokens,
                                     "gen_ai.usage.output_tokens": draft.usage.output_tokens, "ragbus.cost_usd": draft.cost_usd})
        drafted = AnswerDrafted(
            **context.envelope_for_next(),
            state=state.with_stage("generate", watch.elapsed_ms()),
            chunks=context.chunks,
            answer=draft.answer,
            citations=draft.citations,
            model=draft.model,
            usage=draft.usage,
            cost_usd=draft.cost_usd,
        )
        await self._drafted.publish(drafted, key=context.request_id.encode())
