"""Thin handlers: search in a worker thread (Chroma, BM25 and the embedder block), publish the context;
drop a tenant's BM25 index when one of its documents changed."""

import structlog
from faststream.kafka import KafkaBroker
from pydantic import ValidationError

from libs.contracts import topics
from libs.contracts.documents import DocumentIngested
from libs.contracts.questions import ContextRetrieved, QuestionScreened
from libs.platform.timing import Stopwatch
from libs.retrieval.tenant_indexes import TenantLexicalIndexes
from services.retrieve.service import Retriever, search

log = structlog.get_logger(__name__)


class RetrieveHandlers:
    def __init__(self, broker: KafkaBroker) -> None:
        self.retriever: Retriever | None = None  # built at start-up
        self.lexical: TenantLexicalIndexes | None = None
        self._retrieved = broker.publisher(topics.CONTEXT_RETRIEVED, title="retrieved", schema=ContextRetrieved)

    async def on_screened(self, screened: QuestionScreened) -> None:
        watch = Stopwatch()
        state = screened.state
        chunks = []
        if not state.expired():
            chunks = await search(self.retriever, screened.tenant, state.question, state.top_k)
        context = ContextRetrieved(
            **screened.envelope_for_next(), state=state.with_stage("retrieve", watch.elapsed_ms()), chunks=chunks
        )
        await self._retrieved.publish(context, key=screened.request_id.encode())

    async def on_document_changed(self, body: bytes) -> None:
        """A document was (re)ingested or deleted: the tenant's BM25 index is rebuilt on its next search.

        An event that cannot be read drops every tenant's index: a rebuild costs time, a stale index costs answers.
        """
        if self.lexical is None:
            return  # nothing built yet: the first search reads the store anyway
        try:
            self.lexical.invalidate(DocumentIngested.model_validate_json(body).tenant)
        except ValidationError as error:
            log.warning("unreadable document event: every BM25 index will be rebuilt", error=str(error)[:300])
            self.lexical.invalidate_all()
