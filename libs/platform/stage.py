"""A stage consumes one topic: decode, process with retries, and dead-letter what cannot be processed.

The offset is committed only after the handler returned (its outputs are published by then).
If even the dead-letter publish fails, the message is not acknowledged and comes back.

faststream's own parsing is bypassed where hostile bytes would get past the stage: it decodes header values
as UTF-8 (a record with a non-UTF-8 header was dropped unlogged, its offset committed by the next one) and
JSON-decodes a body sent with `content-type: application/json` before the handler runs (an invalid body was
nacked and redelivered forever), and publishes the handler's return value to the topic a `reply_to` header
names (any topic: a missing one held the partition for the producer's 40 s metadata timeout, then the message
was nacked and came back, forever). Stages read the raw record and validate it themselves.
"""

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import structlog
from opentelemetry import trace
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from pydantic import BaseModel, ValidationError
from tenacity import AsyncRetrying, retry_if_not_exception_type, stop_after_attempt, wait_exponential_jitter

from libs.platform.dead_letters import DeadLetterPublisher
from libs.platform.metrics import STAGE_DURATION, histogram
from libs.platform.settings import KafkaSettings
from libs.platform.timing import Stopwatch

Event = TypeVar("Event", bound=BaseModel)
log = structlog.get_logger(__name__)


class Unprocessable(Exception):
    """Raised by a handler for a message that will never succeed; it is dead-lettered without retries."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


async def parse_tolerantly(record: Any, default_parser: Callable[[Any], Awaitable[Any]]) -> Any:
    """faststream's parser, after header values that are not UTF-8 (or null) are made readable in place; a
    `reply_to` header is ignored (replies are routed by the event's own `reply_to`, checked by its contract)."""
    record.headers = tuple((name, (value or b"").decode("utf-8", "replace").encode()) for name, value in record.headers or ())
    message = await default_parser(record)
    message.reply_to = ""
    return message


async def raw_body(msg: KafkaMessage) -> bytes:
    """The decoder: the body as received; the stage validates it against its event type."""
    return msg.body


def subscriber_options(settings: KafkaSettings, group: str, workers: int = 1) -> dict:
    """`workers` > 1: that many consumers of the group in this process (faststream's max_workers with manual
    acks), each owning its own partitions, so messages of different partitions are handled at once while one
    partition's stay in order and are committed after their output, as with one consumer."""
    return {
        "group_id": group,
        "max_workers": workers,
        "ack_policy": AckPolicy.NACK_ON_ERROR,
        "auto_offset_reset": "earliest",
        "session_timeout_ms": settings.session_timeout_ms,
        "heartbeat_interval_ms": settings.heartbeat_interval_ms,
        "fetch_max_wait_ms": settings.fetch_max_wait_ms,
    }


def where_invalid(error: ValidationError) -> str:
    """Which fields failed and how, without the values (pydantic's message quotes the input)."""
    problems = [f"{'.'.join(str(part) for part in problem['loc']) or '(body)'}: {problem['type']}"
                for problem in error.errors()]
    return f"{len(problems)} validation error(s): " + "; ".join(problems[:10])


def register_stage(
    broker: KafkaBroker,
    *,
    topic: str,
    group: str,
    event_type: type[Event],
    handle: Callable[[Event], Awaitable[None]],
    kafka: KafkaSettings,
    dead_letters: DeadLetterPublisher,
    attempts: int = 3,
    workers: int = 1,
) -> None:
    async def consume(msg: KafkaMessage) -> None:
        watch = Stopwatch()
        outcome = "processed"
        try:
            event = event_type.model_validate_json(msg.body)
        except ValidationError as error:
            outcome = "invalid_message"
            await dead_letters.send(msg, group, reason=outcome, error=str(error), loggable=where_invalid(error))
            return
        structlog.contextvars.bind_contextvars(request_id=event.request_id, tenant=event.tenant)
        trace.get_current_span().set_attributes({"ragbus.request_id": event.request_id, "ragbus.tenant": event.tenant})
        try:
            await _handle_with_retries(handle, event, attempts)
        except Unprocessable as error:
            outcome = error.reason
            await dead_letters.send(msg, group, reason=error.reason, error=str(error))
        except Exception as error:  # the message is parked, the consumer keeps going
            outcome = "processing_failed"
            log.exception("processing failed after retries", topic=topic)
            await dead_letters.send(msg, group, reason=outcome, error=repr(error))
        finally:
            structlog.contextvars.unbind_contextvars("request_id", "tenant")
            histogram(STAGE_DURATION).record(watch.elapsed_ms(), {"group": group, "topic": topic, "outcome": outcome})

    consume.__name__ = f"{group}_consumes_{topic.replace('.', '_').replace('-', '_')}"
    broker.subscriber(
        topic, title=f"{group}:{topic}", description=event_type.__doc__, parser=parse_tolerantly, decoder=raw_body,
        **subscriber_options(kafka, group, workers),
    )(consume)


async def _handle_with_retries(handle: Callable[[Event], Awaitable[None]], event: Event, attempts: int) -> None:
    retrying = AsyncRetrying(
        stop=stop_after_attempt(attempts),
        wait=wait_exponential_jitter(initial=0.1, max=2.0),
        retry=retry_if_not_exception_type(Unprocessable),
        reraise=True,
    )
    async for attempt in retrying:
        with attempt:
            await handle(event)
