"""Thin handler: search in a worker thread (Chroma and the embedder block), publish the context."""

import asyncio

from faststream.kafka import KafkaBroker

from libs.contracts import topics
from libs.contracts.questions import ContextRetrieved, QuestionScreened
from libs.platform.telemetry import tracer
from libs.platform.timing import Stopwatch
from services.retrieve.service import ChunkSearch, retrieve


class RetrieveHandlers:
    def __init__(self, broker: KafkaBroker) -> None:
        self.index: ChunkSearch | None = None  # opened at start-up
        self._retrieved = broker.publisher(topics.CONTEXT_RETRIEVED, title="retrieved", schema=ContextRetrieved)

    async def on_screened(self, screened: QuestionScreened) -> None:
        watch = Stopwatch()
        state = screened.state
        chunks = []
        if not state.expired():
            with tracer().start_as_current_span("retrieve.search") as span:
                chunks = await asyncio.to_thread(retrieve, self.index, screened.tenant, state.question, state.top_k)
                span.set_attribute("ragbus.chunks", len(chunks))
        context = ContextRetrieved(
            **screened.envelope_for_next(), state=state.with_stage("retrieve", watch.elapsed_ms()), chunks=chunks
        )
        await self._retrieved.publish(context, key=screened.request_id.encode())
