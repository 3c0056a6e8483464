"""Messages a stage cannot process go to one dead-letter topic, with the reason and the original bytes.

A dead letter must itself fit a Kafka request (1 MB by default; base64 adds a third): an original above
`MAX_ORIGINAL_BYTES` is carried cut, with its full size and SHA-256, and marked `original_truncated`.
Without the cut, the dead-letter publish of a huge message fails, the message is not acknowledged and
comes back forever, stalling its partition.
"""

import base64
import hashlib

import structlog
from faststream.kafka import KafkaBroker
from faststream.kafka.message import KafkaMessage

from libs.contracts.evaluation import DeadLetter
from libs.contracts.topics import DEAD_LETTERED
from libs.platform.metrics import MESSAGES_DEAD_LETTERED, counter

log = structlog.get_logger(__name__)
MAX_ORIGINAL_BYTES = 256 * 1024
MAX_HEADER_CHARS = 1000
MAX_HEADERS = 64


def dead_letter_for(msg: KafkaMessage, consumer_group: str, reason: str, error: str) -> DeadLetter:
    record = msg.raw_message
    body = msg.body or b""
    headers = list(record.headers or ())
    return DeadLetter(
        consumer_group=consumer_group,
        source_topic=record.topic,
        partition=record.partition,
        offset=record.offset,
        reason=reason,
        error=error[:4000],
        original_key=_text(record.key)[:MAX_HEADER_CHARS] if record.key else None,
        original_value_b64=base64.b64encode(body[:MAX_ORIGINAL_BYTES]).decode("ascii"),
        original_headers={key[:MAX_HEADER_CHARS]: _text(value)[:MAX_HEADER_CHARS] for key, value in headers[:MAX_HEADERS]},
        original_size=len(body),
        original_sha256=hashlib.sha256(body).hexdigest(),
        original_truncated=_cut(body, record.key, headers),
    )


def _cut(body: bytes, key: bytes | None, headers: list[tuple[str, bytes | None]]) -> bool:
    """Whether the dead letter carries less than the original (value, key or headers cut)."""
    long_header = any(len(name) > MAX_HEADER_CHARS or len(value or b"") > MAX_HEADER_CHARS for name, value in headers)
    return len(body) > MAX_ORIGINAL_BYTES or len(key or b"") > MAX_HEADER_CHARS or len(headers) > MAX_HEADERS or long_header


def _text(value: bytes | None) -> str:
    return (value or b"").decode("utf-8", "replace")


class DeadLetterPublisher:
    def __init__(self, broker: KafkaBroker) -> None:
        self._publisher = broker.publisher(DEAD_LETTERED, title="dead-letters", schema=DeadLetter)

    async def send(self, msg: KafkaMessage, consumer_group: str, reason: str, error: str, loggable: str | None = None) -> None:
        """`error` goes on the dead letter (whose topic holds the original bytes anyway); the log line gets
        `loggable` instead when given: a validation error quotes the input, and logs must not carry it."""
        letter = dead_letter_for(msg, consumer_group, reason, error)
        log.warning(
            "message dead-lettered",
            reason=reason,
            source_topic=letter.source_topic,
            partition=letter.partition,
            offset=letter.offset,
            size=letter.original_size,
            error=(letter.error if loggable is None else loggable)[:300],
        )
        await self._publisher.publish(letter, key=(letter.original_key or letter.event_id).encode())
        counter(MESSAGES_DEAD_LETTERED).add(1, {"group": consumer_group, "reason": reason})
