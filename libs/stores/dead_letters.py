"""Dead letters in PostgreSQL (`dead_letters`): when, from which topic and group, why, and for which request.

A row holds no payload and no error text (either may quote personal data); the dead-letter topic keeps the
original bytes. `row_for_record` turns any record of the dead-letter topic into a row, also one that is not a
dead letter at all (reason `unreadable_dead_letter`), so the consumer recording them never fails on content.
"""

import base64
import binascii
import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg
from pydantic import ValidationError

from libs.contracts.envelope import TENANT_PATTERN
from libs.contracts.evaluation import DeadLetter
from libs.contracts.topics import DEAD_LETTERED

UNREADABLE = "unreadable_dead_letter"
MAX_TEXT = 200
MAX_INT32, MAX_INT64 = 2**31 - 1, 2**63 - 1
REQUEST_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")
TENANT = re.compile(TENANT_PATTERN)


@dataclass(frozen=True)
class Coordinates:
    """Where a record of the dead-letter topic was read: its own partition, offset and timestamp."""

    partition: int
    offset: int
    timestamp_ms: int | None


@dataclass(frozen=True)
class DeadLetterRow:
    letter_id: str
    dead_lettered_at: datetime
    source_topic: str
    source_partition: int | None
    source_offset: int | None
    consumer_group: str
    reason: str
    request_id: str | None = None
    tenant: str | None = None


def row_for_record(value: bytes | None, where: Coordinates, reader_group: str) -> DeadLetterRow:
    """The row of one record of the dead-letter topic; an unreadable one is charged to `reader_group`."""
    body = value or b""
    try:
        return letter_row(body, where)
    except (ValueError, ValidationError, RecursionError, OverflowError):  # not JSON, not a dead letter, absurd
        return unreadable_row(body, where, reader_group)


def letter_row(body: bytes, where: Coordinates) -> DeadLetterRow:
    raw = json.loads(body)
    letter = DeadLetter.model_validate(raw)
    request_id, tenant = original_ids(letter.original_value_b64)
    event_id = raw.get("event_id")
    return DeadLetterRow(
        letter_id=text(event_id) if isinstance(event_id, str) and text(event_id) else record_id(body, where),
        dead_lettered_at=as_utc(letter.occurred_at),
        source_topic=text(letter.source_topic),
        source_partition=bounded(letter.partition, MAX_INT32),
        source_offset=bounded(letter.offset, MAX_INT64),
        consumer_group=text(letter.consumer_group),
        reason=text(letter.reason) or "unknown",
        request_id=request_id,
        tenant=tenant,
    )


def unreadable_row(body: bytes, where: Coordinates, reader_group: str) -> DeadLetterRow:
    return DeadLetterRow(
        letter_id=record_id(body, where), dead_lettered_at=record_time(where), source_topic=DEAD_LETTERED,
        source_partition=bounded(where.partition, MAX_INT32), source_offset=bounded(where.offset, MAX_INT64),
        consumer_group=reader_group, reason=UNREADABLE,
    )


def original_ids(value_b64: str) -> tuple[str | None, str | None]:
    """Request id and tenant of the original message, when it was a JSON object carrying well-formed ones."""
    try:
        original = json.loads(base64.b64decode(value_b64, validate=True))
    except (ValueError, binascii.Error, RecursionError):
        return None, None
    if not isinstance(original, dict):
        return None, None
    request_id, tenant = original.get("request_id"), original.get("tenant")
    return (request_id if isinstance(request_id, str) and REQUEST_ID.match(request_id) else None,
            tenant if isinstance(tenant, str) and TENANT.match(tenant) else None)


def record_id(body: bytes, where: Coordinates) -> str:
    """An id for a record without a readable event id: the same record always gets the same one."""
    digest = hashlib.sha256(f"{where.partition}:{where.offset}:{where.timestamp_ms}:".encode() + body).hexdigest()
    return f"record-{digest[:32]}"


def record_time(where: Coordinates) -> datetime:
    if where.timestamp_ms is None or where.timestamp_ms < 0:
        return datetime.now(UTC)
    return datetime.fromtimestamp(where.timestamp_ms / 1000, UTC)


def text(value: str) -> str:
    """PostgreSQL text holds no NUL; long values are cut."""
    return value.replace("\x00", "")[:MAX_TEXT]


def bounded(value: int, limit: int) -> int | None:
    return value if 0 <= value <= limit else None


def as_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class DeadLetterStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def record(self, row: DeadLetterRow) -> bool:
        """Insert the row; False when it was recorded before (a redelivered dead letter)."""
        inserted = await self._pool.fetchval(
            """INSERT INTO dead_letters (letter_id, dead_lettered_at, source_topic, source_partition, source_offset,
                                         consumer_group, reason, request_id, tenant)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (letter_id) DO NOTHING RETURNING true""",
            row.letter_id, row.dead_lettered_at, row.source_topic, row.source_partition, row.source_offset,
            row.consumer_group, row.reason, row.request_id, row.tenant,
        )
        return bool(inserted)

    async def purge(self, keep: timedelta) -> int:
        """Delete dead letters parked longer than `keep` ago; returns how many."""
        status = await self._pool.execute(
            "DELETE FROM dead_letters WHERE dead_lettered_at < now() - $1::interval", keep)
        return int(status.split()[-1])
