"""Ask ragbus a question over Kafka and await the matching answer by request id.

    async with RagClient("127.0.0.1:9092") as rag:
        answer = await rag.ask("What is the hotel cap?", tenant="acme")

Delivery underneath is at-least-once; the client hands each request's answer over exactly once.

Admission control is off by default. With `max_backlog_share=0.5`, a question is refused at once, without being
published, when the input guardrail's backlog (read in the background every `backlog_check_s`) would take more than
half its timeout: its answer is `failed` with reason `overloaded`, and `refused` counts them (libs/client/admission.py).
"""

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import KafkaError
from opentelemetry import propagate

from libs.client.admission import AdmissionControl, refusal
from libs.contracts import topics
from libs.contracts.documents import DocumentIngested, SubmitDocument
from libs.contracts.envelope import new_id, utcnow
from libs.contracts.questions import AnswerCompleted, AskQuestion
from libs.platform.telemetry import tracer


class RagClient:
    def __init__(self, bootstrap_servers: str, reply_topic: str = topics.DEFAULT_REPLIES, client_id: str = "ragbus-client",
                 log_loss_check_s: float = 1.0, max_backlog_share: float | None = None,
                 backlog_check_s: float = 0.5) -> None:
        self._bootstrap = bootstrap_servers.split(",")
        self._reply_topic = reply_topic
        self._client_id = client_id
        self._producer: AIOKafkaProducer | None = None
        self._replies: AIOKafkaConsumer | None = None
        self._waiting: dict[str, asyncio.Future[AnswerCompleted]] = {}
        self._waiting_ingest: dict[str, asyncio.Future[DocumentIngested]] = {}
        self._delivered: set[str] = set()
        self.duplicates_dropped = 0
        self._unclaimed: asyncio.Queue[AnswerCompleted] = asyncio.Queue()
        self._reader: asyncio.Task | None = None
        self._watchdog: asyncio.Task | None = None
        self.log_losses_seen = 0
        self._log_loss_check_s = log_loss_check_s
        admission_options = {"bootstrap_servers": self._bootstrap, "client_id": f"{client_id}-admission"}
        self._admission = None if max_backlog_share is None else AdmissionControl(
            admission_options, max_backlog_share, backlog_check_s)

    async def __aenter__(self) -> "RagClient":
        self._producer = AIOKafkaProducer(bootstrap_servers=self._bootstrap, client_id=self._client_id, acks="all")
        await self._producer.start()
        self._replies = AIOKafkaConsumer(bootstrap_servers=self._bootstrap, client_id=self._client_id,
                                         enable_auto_commit=False, fetch_max_wait_ms=20, auto_offset_reset="earliest")
        await self._replies.start()
        partitions = []
        for topic in (self._reply_topic, topics.DOCUMENT_INGESTED):
            numbers = self._replies.partitions_for_topic(topic)
            if not numbers:
                await self.close()
                raise RuntimeError(f"topic {topic!r} does not exist: create it first (`ragbus topics`)")
            partitions += [TopicPartition(topic, n) for n in numbers]
        self._replies.assign(partitions)
        await self._replies.seek_to_end(*partitions)
        for partition in partitions:  # resolve the end offsets now, so no answer published after ask() is skipped
            await self._replies.position(partition)
        self._reader = asyncio.create_task(self._read_replies())
        self._watchdog = asyncio.create_task(self._rewind_after_log_loss(partitions))
        if self._admission:
            await self._admission.start()
        return self

    async def __aexit__(self, *exc) -> None:
        await self.close()

    async def close(self) -> None:
        for task in (self._reader, self._watchdog):
            if task:
                task.cancel()
        if self._admission:
            await self._admission.stop()
        for client in (self._replies, self._producer):
            if client:
                await client.stop()

    async def send_question(self, question: str, tenant: str, *, timeout_s: float = 30.0, request_id: str | None = None,
                            variant: str = "default", top_k: int = 5) -> str:
        """Publish the question (or, with admission control on and a backlog too long, refuse it: its `failed`
        answer with reason `overloaded` is handed over at once, like any other final answer)."""
        ask = AskQuestion(
            request_id=request_id or new_id(), tenant=tenant, question=question, reply_to=self._reply_topic,
            deadline=utcnow() + timedelta(seconds=timeout_s), variant=variant, top_k=top_k,
        )
        refused_for = self._admission.admit(timeout_s) if self._admission else None
        if refused_for is not None:
            self._hand_over(refusal(ask, refused_for, timeout_s))
            return ask.request_id
        await self.publish(topics.QUESTION_ASKED, ask.request_id, ask.model_dump_json().encode())
        return ask.request_id

    @property
    def refused(self) -> int:
        """Questions refused by admission control (never published)."""
        return self._admission.refused if self._admission else 0

    def backlog_s(self) -> float | None:
        """The latest estimate of the wait at the input guardrail, in seconds (None: admission control is off)."""
        return self._admission.backlog_s() if self._admission else None

    async def ask(self, question: str, tenant: str, *, timeout_s: float = 30.0, **options) -> AnswerCompleted:
        """Publish the question and wait for its answer; raises TimeoutError after `timeout_s`. A question refused
        by admission control returns at once, `failed` with reason `overloaded`."""
        request_id = options.pop("request_id", None) or new_id()
        future = asyncio.get_running_loop().create_future()
        self._waiting[request_id] = future
        try:
            await self.send_question(question, tenant, timeout_s=timeout_s, request_id=request_id, **options)
            return await asyncio.wait_for(future, timeout_s)
        finally:
            self._waiting.pop(request_id, None)

    async def answers(self) -> AsyncIterator[AnswerCompleted]:
        """Answers no `ask()` is waiting for (e.g. from `send_question`), each request once."""
        while True:
            yield await self._unclaimed.get()

    async def ingest(self, doc: SubmitDocument, timeout_s: float = 120.0) -> DocumentIngested:
        """Submit a document and wait until the ingest service reports it indexed."""
        future = asyncio.get_running_loop().create_future()
        self._waiting_ingest[doc.request_id] = future
        try:
            await self.publish(topics.DOCUMENT_SUBMITTED, doc.document_id, doc.model_dump_json().encode())
            return await asyncio.wait_for(future, timeout_s)
        finally:
            self._waiting_ingest.pop(doc.request_id, None)

    async def publish(self, topic: str, key: str, value: bytes) -> None:
        with tracer().start_as_current_span(f"{topic} publish", attributes={"messaging.destination.name": topic}):
            carrier: dict[str, str] = {}
            propagate.inject(carrier)
            headers = [(k, v.encode()) for k, v in carrier.items()]
            await self._producer.send_and_wait(topic, value, key=key.encode(), headers=headers)

    async def _read_replies(self) -> None:
        async for record in self._replies:
            if record.topic == topics.DOCUMENT_INGESTED:
                self._resolve_ingest(record.value)
                continue
            try:
                answer = AnswerCompleted.model_validate_json(record.value)
            except ValueError:
                continue  # not an answer: nothing this client can hand over
            self._hand_over(answer)

    def _hand_over(self, answer: AnswerCompleted) -> None:
        if answer.request_id in self._delivered:
            self.duplicates_dropped += 1  # at-least-once underneath: a redelivered final answer
            return
        self._delivered.add(answer.request_id)
        future = self._waiting.get(answer.request_id)
        if future is not None and not future.done():
            future.set_result(answer)
        elif future is None:
            self._unclaimed.put_nowait(answer)

    async def _rewind_after_log_loss(self, partitions: list[TopicPartition]) -> None:
        """A broker that lost its log (Tansu's memory storage, restarted) starts every partition again at offset
        0, and a fetch past the new end just waits: answers published before the log grows back to this client's
        position would be skipped. A partition whose end offset went down is read again from its start.

        The end offset is compared with the highest one seen, not with this client's position: Tansu reports the
        end as the last batch's first offset + 1, so a position can be past the reported end of a healthy log."""
        highest_end: dict[TopicPartition, int] = {}
        while True:
            await asyncio.sleep(self._log_loss_check_s)
            try:
                ends = await self._replies.end_offsets(partitions)
            except KafkaError:
                continue  # broker unreachable: check again once it is back
            shrunk = [p for p in partitions if ends[p] < highest_end.get(p, 0)]
            highest_end = ends  # a healthy log's end only grows, so the latest end is the highest seen
            if shrunk:
                self.log_losses_seen += 1
                await self._replies.seek_to_beginning(*shrunk)

    def _resolve_ingest(self, value: bytes) -> None:
        result = DocumentIngested.model_validate_json(value)
        future = self._waiting_ingest.get(result.request_id)
        if future is not None and not future.done():
            future.set_result(result)
