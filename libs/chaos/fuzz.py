"""`make fuzz`: malformed and hostile messages on every topic a service consumes, interleaved with valid ones.

Raw bytes go out with aiokafka (no client-side validation, a request size limit of 8 MB). A bad message is
accounted for when a dead letter names its topic, partition and offset with a reason; a valid one when its
outcome shows up (a final answer on the reply topic, an ingest result) and no dead letter names it.
"""

import asyncio
import json
import random
import time
from dataclasses import asdict, dataclass, field

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from libs.bench.pipeline import bench_questions
from libs.chaos.hostile import Hostile, bad_messages
from libs.chaos.observe import alive, services_alive
from libs.chaos.samples import INPUT_TOPICS, InputTopic, valid_event
from libs.contracts import topics
from libs.devstack.stack import LocalStack

MAX_REQUEST_BYTES = 8 * 1024 * 1024
FUZZ_QUESTION = "How many valves does the fuzz rig hold?"


@dataclass(frozen=True)
class FuzzRun:
    bad_per_topic: int = 500
    valid_per_topic: int = 20
    deadline_s: float = 120.0
    wait_s: float = 240.0
    seed: int = 0
    tenant: str = "fuzz"
    topics: tuple[str, ...] = tuple(t.topic for t in INPUT_TOPICS)


@dataclass
class Sent:
    topic: str
    kind: str
    valid: bool
    request_id: str | None = None
    size: int = 0
    partition: int = -1
    offset: int = -1
    error: str = ""


@dataclass
class Seen:
    letters: dict[tuple[str, int, int], list[dict]] = field(default_factory=dict)
    answers: dict[str, int] = field(default_factory=dict)
    ingested: set[str] = field(default_factory=set)


def plan(run: FuzzRun) -> list[tuple[Hostile, Sent]]:
    """Every message to send, bad and valid, shuffled together (seeded)."""
    questions = bench_questions()
    messages = []
    for n, spec in enumerate(t for t in INPUT_TOPICS if t.topic in run.topics):
        template = valid_event(spec.topic, run.tenant, FUZZ_QUESTION, run.deadline_s).model_dump(mode="json")
        for bad in bad_messages(spec.model, template, run.bad_per_topic, run.seed + 1000 * n):
            messages.append((bad, Sent(spec.topic, bad.kind, valid=False)))
        for k in range(run.valid_per_topic):
            tenant, question = questions[k % len(questions)] if spec.topic == topics.QUESTION_ASKED else (run.tenant, FUZZ_QUESTION)
            messages += valid_variants(spec.topic, tenant, question, run.deadline_s, k)
    random.Random(run.seed).shuffle(messages)
    return messages


def valid_variants(topic: str, tenant: str, question: str, deadline_s: float, k: int) -> list[tuple[Hostile, Sent]]:
    """A valid message; every 3rd also sent twice (a duplicate id), every 4th with an unknown field (ignored)."""
    event = valid_event(topic, tenant, question, deadline_s)
    body = event.model_dump(mode="json")
    kind = "valid_unknown_field" if k % 4 == 1 else "valid"
    if kind == "valid_unknown_field":
        body["x_added_in_a_later_minor"] = {"nested": [1, 2, 3]}
    value = json.dumps(body).encode()
    copies = 2 if k % 3 == 2 else 1
    return [(Hostile(kind if c == 0 else "valid_duplicate", value), Sent(topic, kind if c == 0 else "valid_duplicate", True, event.request_id))
            for c in range(copies)]


async def send_all(bootstrap: str, messages: list[tuple[Hostile, Sent]]) -> list[Sent]:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", max_request_size=MAX_REQUEST_BYTES)
    await producer.start()
    try:
        pending = []
        for n, (message, sent) in enumerate(messages):
            key = (sent.request_id or f"fuzz-bad-{n}").encode()
            sent.size = len(message.value or b"")
            pending.append(await producer.send(sent.topic, message.value, key=key, headers=list(message.headers)))
        for (_, sent), future in zip(messages, pending):
            try:
                metadata = await future
                sent.partition, sent.offset = metadata.partition, metadata.offset
            except Exception as error:  # recorded: a message the broker refused is not the services' to account for
                sent.error = repr(error)[:200]
    finally:
        await producer.stop()
    return [sent for _, sent in messages]


async def default_producer_refuses_huge(bootstrap: str, size: int = 1_100_000) -> str:
    """What a client with aiokafka's defaults gets for a message over 1 MB (Tansu enforces no limit)."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        await producer.send_and_wait(topics.QUESTION_ASKED, b"{" + b"x" * size, key=b"fuzz-default-limit")
        return "accepted (and dead-lettered like any bad message)"
    except Exception as error:
        return f"refused by the producer: {type(error).__name__}"
    finally:
        await producer.stop()


class Observer:
    """Reads the dead-letter, reply and ingest-result topics from where they ended before the run."""

    WATCHED = (topics.DEAD_LETTERED, topics.DEFAULT_REPLIES, topics.DOCUMENT_INGESTED)

    def __init__(self, bootstrap: str) -> None:
        self.seen = Seen()
        self._consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, fetch_max_wait_ms=50,
                                          max_partition_fetch_bytes=MAX_REQUEST_BYTES, fetch_max_bytes=4 * MAX_REQUEST_BYTES)

    async def start(self) -> None:
        await self._consumer.start()
        partitions = [TopicPartition(t, p) for t in self.WATCHED for p in self._consumer.partitions_for_topic(t) or ()]
        self._consumer.assign(partitions)
        await self._consumer.seek_to_end(*partitions)
        for partition in partitions:
            await self._consumer.position(partition)

    async def poll(self) -> None:
        batches = await self._consumer.getmany(timeout_ms=500, max_records=2000)
        for records in batches.values():
            for record in records:
                self._note(record.topic, record.value)

    def _note(self, topic: str, value: bytes) -> None:
        body = json.loads(value)
        if topic == topics.DEAD_LETTERED:
            key = (body["source_topic"], body["partition"], body["offset"])
            self.seen.letters.setdefault(key, []).append({k: body.get(k) for k in ("consumer_group", "reason", "original_truncated")})
        elif topic == topics.DEFAULT_REPLIES:
            self.seen.answers[body["request_id"]] = self.seen.answers.get(body["request_id"], 0) + 1
        else:
            self.seen.ingested.add(body["request_id"])

    async def stop(self) -> None:
        await self._consumer.stop()


def settled(sent: list[Sent], seen: Seen) -> bool:
    for message in sent:
        if message.error:
            continue
        if not message.valid and (message.topic, message.partition, message.offset) not in seen.letters:
            return False
        if message.valid and not outcome_seen(message, seen):
            return False
    return True


def outcome_seen(message: Sent, seen: Seen) -> bool:
    if message.topic == topics.DOCUMENT_SUBMITTED:
        return message.request_id in seen.ingested
    if message.topic == topics.ANSWER_COMPLETED:
        return True  # evaluate publishes nothing per answer that is not sampled
    return message.request_id in seen.answers


async def run_fuzz(stack: LocalStack, run: FuzzRun) -> dict:
    messages = await asyncio.to_thread(plan, run)
    pids = {name: process.pid for name, process in stack.services.items()}
    bootstrap = stack.config.bootstrap_servers
    observer = Observer(bootstrap)
    await observer.start()
    try:
        started = time.monotonic()
        sent = await send_all(bootstrap, messages)
        send_s = time.monotonic() - started
        while not settled(sent, observer.seen) and time.monotonic() - started < run.wait_s:
            await observer.poll()
        settle_s = time.monotonic() - started
        await asyncio.sleep(2.0)  # late duplicates and stray dead letters
        await observer.poll()
    finally:
        await observer.stop()
    return {
        "settings": asdict(run), "send_s": round(send_s, 1), "settled_s": round(settle_s, 1),
        "topics": {spec.topic: topic_figures(spec, sent, observer.seen, services_alive(stack, pids))
                   for spec in INPUT_TOPICS if spec.topic in run.topics},
        "services": services_alive(stack, pids), "backlog": await backlog(bootstrap, run.topics),
        "default_producer_over_1mb": await default_producer_refuses_huge(bootstrap),
    }


def topic_figures(spec: InputTopic, sent: list[Sent], seen: Seen, services: dict) -> dict:
    mine = [m for m in sent if m.topic == spec.topic]
    bad = [m for m in mine if not m.valid and not m.error]
    letters = {m.kind: 0 for m in bad}
    missing, wrong_group, no_reason = {}, 0, 0
    for message in bad:
        found = seen.letters.get((message.topic, message.partition, message.offset))
        if not found:
            missing[message.kind] = missing.get(message.kind, 0) + 1
            continue
        letters[message.kind] += 1
        wrong_group += found[0]["consumer_group"] != spec.group
        no_reason += not found[0]["reason"]
    valid = {m.request_id: m for m in mine if m.valid and not m.error}
    valid_letters = sum(1 for m in mine if m.valid and (m.topic, m.partition, m.offset) in seen.letters)
    return {
        "group": spec.group, "sent_bad": len(bad), "dead_lettered": sum(letters.values()), "missing": sum(missing.values()),
        "missing_by_kind": missing, "dead_lettered_by_kind": letters, "letters_wrong_group": wrong_group,
        "letters_without_reason": no_reason, "refused_by_broker": sum(1 for m in mine if m.error),
        "valid_sent": len(valid), "valid_messages_sent": sum(1 for m in mine if m.valid),
        "valid_answered": None if spec.answered_by is None else sum(1 for m in valid.values() if outcome_seen(m, seen)),
        "valid_dead_lettered": valid_letters,
        "answers_on_the_wire": sum(seen.answers.get(r, 0) for r in valid) if spec.answered_by == topics.DEFAULT_REPLIES else None,
        "consumer_alive": alive(services[spec.group]),
    }


async def backlog(bootstrap: str, fuzzed: tuple[str, ...]) -> dict[str, int | None]:
    """Messages each group has not committed past on the fuzzed topics: a poison message shows up here."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await admin.start()
    await consumer.start()
    try:
        result = {}
        for spec in (t for t in INPUT_TOPICS if t.topic in fuzzed):
            partitions = [TopicPartition(spec.topic, p) for p in consumer.partitions_for_topic(spec.topic) or ()]
            ends = await consumer.end_offsets(partitions)
            committed = await admin.list_consumer_group_offsets(spec.group, partitions=partitions)
            result[f"{spec.group}:{spec.topic}"] = sum(
                max(0, ends[tp] - (committed[tp].offset if tp in committed and committed[tp].offset >= 0 else 0))
                for tp in partitions)
        return result
    finally:
        await consumer.stop()
        await admin.close()
