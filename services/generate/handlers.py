"""Thin handler: draft the answer (unless the deadline passed) and publish it."""

from faststream.kafka import KafkaBroker

from libs.contracts import topics
from libs.contracts.questions import AnswerDrafted, ContextRetrieved
from libs.models.generation import Draft
from libs.platform.timing import Stopwatch
from services.generate import measures, service
from services.generate.service import GenerateDeps


class GenerateHandlers:
    def __init__(self, broker: KafkaBroker, deps: GenerateDeps) -> None:
        self.deps = deps
        self._drafted = broker.publisher(topics.ANSWER_DRAFTED, title="drafted", schema=AnswerDrafted)

    async def on_context(self, context: ContextRetrieved) -> None:
        watch = Stopwatch()
        state = context.state
        generated = service.Generated(Draft(answer="", citations=[], model="none"), None)
        if not state.expired() and context.chunks:
            generated = await service.generate(context, self.deps)  # in its own span, model calls as children
            measures.record_generation(context, generated, cache_consulted=bool(self.deps.rungs))
        draft = generated.draft
        drafted = AnswerDrafted(
            **context.envelope_for_next(),
            state=state.with_stage("generate", watch.elapsed_ms()),
            chunks=context.chunks,
            answer=draft.answer,
            citations=draft.citations,
            model=draft.model,
            usage=draft.usage,
            cost_usd=draft.cost_usd,
            generation=generated.info,
        )
        await self._drafted.publish(drafted, key=context.request_id.encode())
