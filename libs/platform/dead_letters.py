"""Messages a stage cannot process go to one dead-letter topic, with the reason and the original bytes."""

import base64

import structlog
from faststream.kafka import KafkaBroker
from faststream.kafka.message import KafkaMessage

from libs.contracts.evaluation import DeadLetter
from libs.contracts.topics import DEAD_LETTERED
from libs.platform.metrics import MESSAGES_DEAD_LETTERED, counter

log = structlog.get_logger(__name__)


def dead_letter_for(msg: KafkaMessage, consumer_group: str, reason: str, error: str) -> DeadLetter:
    record = msg.raw_message
    return DeadLetter(
        consumer_group=consumer_group,
        source_topic=record.topic,
        partition=record.partition,
        offset=record.offset,
        reason=reason,
        error=error[:4000],
        original_key=record.key.decode("utf-8", "replace") if record.key else None,
        original_value_b64=base64.b64encode(msg.body).decode("ascii"),
        original_headers={k: v.decode("utf-8", "replace") for k, v in (record.headers or ())},
    )


class DeadLetterPublisher:
    def __init__(self, broker: KafkaBroker) -> None:
        self._publisher = broker.publisher(DEAD_LETTERED, title="dead-letters", schema=DeadLetter)

    async def send(self, msg: KafkaMessage, consumer_group: str, reason: str, error: str) -> None:
        letter = dead_letter_for(msg, consumer_group, reason, error)
        log.warning(
            "message dead-lettered",
            reason=reason,
            source_topic=letter.source_topic,
            partition=letter.partition,
            offset=letter.offset,
            error=letter.error[:300],
        )
        await self._publisher.publish(letter, key=(letter.original_key or letter.event_id).encode())
        counter(MESSAGES_DEAD_LETTERED).add(1, {"group": consumer_group, "reason": reason})
