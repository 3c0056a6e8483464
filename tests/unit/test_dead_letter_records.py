"""Dead letters become rows for the report: no payload or error text, ids when the original named them, and a
record that is no dead letter becomes an `unreadable_dead_letter` row instead of stopping evaluate's consumer."""

import json
from types import SimpleNamespace

import pytest
from faststream.kafka import KafkaBroker, TestKafkaBroker

from libs.contracts.topics import DEAD_LETTERED
from libs.evaluation.drift import DriftDetector
from libs.evaluation.judges import OfflineJudge
from libs.platform.dead_letters import dead_letter_for
from libs.platform.settings import KafkaSettings
from libs.stores.dead_letters import UNREADABLE, Coordinates, row_for_record
from services.evaluate import service
from services.evaluate.handlers import EvaluateHandlers
from services.evaluate.main import DEAD_LETTER_GROUP, record_dead_letters
from services.evaluate.settings import EvaluateSettings

WHERE = Coordinates(partition=1, offset=77, timestamp_ms=1_764_151_200_000)  # 2025-11-26T10:00:00Z
SECRET = "Patient Jane Roe, insurance number 7731-22-0091"


def original(body: bytes) -> SimpleNamespace:
    record = SimpleNamespace(topic="rag.question-asked.v1", partition=2, offset=41, key=b"r-1", headers=())
    return SimpleNamespace(body=body, raw_message=record)


def letter_bytes(body: bytes, reason: str = "invalid_message", error: str = f"question: {SECRET}") -> bytes:
    return dead_letter_for(original(body), "guardrail", reason, error).model_dump_json().encode()


def test_a_dead_letter_becomes_a_row_with_its_ids_but_without_payload_or_error():
    body = json.dumps({"request_id": "r-1", "tenant": "acme", "question": SECRET, "deadline": "soon"}).encode()
    raw = letter_bytes(body)
    row = row_for_record(raw, WHERE, DEAD_LETTER_GROUP)
    assert (row.source_topic, row.source_partition, row.source_offset) == ("rag.question-asked.v1", 2, 41)
    assert (row.consumer_group, row.reason) == ("guardrail", "invalid_message")
    assert (row.request_id, row.tenant) == ("r-1", "acme")
    assert row.letter_id == json.loads(raw)["event_id"]
    assert row.dead_lettered_at.isoformat() == json.loads(raw)["occurred_at"].replace("Z", "+00:00")
    assert SECRET not in repr(row) and "soon" not in repr(row)


def test_ids_are_left_unknown_when_the_original_does_not_name_them_plainly():
    named_badly = [json.dumps({"request_id": "r 1; DROP", "tenant": "ACME!"}).encode(),
                   json.dumps({"request_id": SECRET, "tenant": "a" * 65}).encode()]
    for body in (b"{not json", b"[1, 2]", b"\xff\xfe", b"[" * 100_000, *named_badly):
        row = row_for_record(letter_bytes(body), WHERE, DEAD_LETTER_GROUP)
        assert (row.reason, row.request_id, row.tenant) == ("invalid_message", None, None), body[:40]


def test_records_that_are_no_dead_letter_are_recorded_as_unreadable_each_under_one_stable_id():
    bodies = [None, b"{not json", b"\xff\x00", b"[]", b'{"reason": "x"}', b"[" * 100_000,
              json.dumps({"consumer_group": "g", "source_topic": "t", "partition": 0, "offset": 0, "reason": "r",
                          "error": "e", "original_value_b64": "", "occurred_at": "not a time"}).encode()]
    rows = [row_for_record(body, WHERE, DEAD_LETTER_GROUP) for body in bodies]
    for row in rows:
        assert (row.reason, row.consumer_group, row.source_topic) == (UNREADABLE, DEAD_LETTER_GROUP, DEAD_LETTERED)
        assert (row.source_partition, row.source_offset) == (1, 77)
        assert row.dead_lettered_at.isoformat() == "2025-11-26T10:00:00+00:00"
    assert len({row.letter_id for row in rows}) == len(rows)  # different bytes (None: empty): different rows
    assert [row_for_record(body, WHERE, DEAD_LETTER_GROUP).letter_id for body in bodies] == [r.letter_id for r in rows]


def test_hostile_values_in_a_readable_dead_letter_fit_the_table():
    letter = json.loads(letter_bytes(b"{}", reason="bad\x00" + "r" * 5000))
    letter |= {"partition": 2**40, "offset": -5, "consumer_group": "g\x00g"}
    del letter["event_id"]  # without one the record's coordinates identify it, so redelivery stays idempotent
    raw = json.dumps(letter).encode()
    row = row_for_record(raw, WHERE, DEAD_LETTER_GROUP)
    assert row.reason == "bad" + "r" * 197 and row.consumer_group == "gg"
    assert (row.source_partition, row.source_offset) == (None, None)
    assert row.letter_id == row_for_record(raw, WHERE, DEAD_LETTER_GROUP).letter_id


class FakeDeadLetterStore:
    """Keyed like the table: a second row with the same id is a redelivery and not inserted."""

    def __init__(self) -> None:
        self.rows = {}

    async def record(self, row) -> bool:
        inserted = row.letter_id not in self.rows
        self.rows.setdefault(row.letter_id, row)
        return inserted


async def test_evaluate_records_each_dead_letter_once_and_survives_garbage_on_the_topic():
    broker = KafkaBroker()
    settings = EvaluateSettings()
    handlers = EvaluateHandlers(broker, OfflineJudge(), 0.0, DriftDetector(settings.drift_policy()), DEAD_LETTER_GROUP)
    handlers.dead_letters = FakeDeadLetterStore()
    record_dead_letters(broker, handlers, KafkaSettings())
    good = letter_bytes(json.dumps({"request_id": "r-9", "tenant": "acme"}).encode(), reason="processing_failed")

    async with TestKafkaBroker(broker) as test_broker:
        for body in (b"{not json", b"\xff", good, good, b"[]"):
            await test_broker.publish(body, DEAD_LETTERED)

    rows = list(handlers.dead_letters.rows.values())
    assert sorted(row.reason for row in rows) == ["processing_failed", UNREADABLE, UNREADABLE, UNREADABLE]
    [recorded] = [row for row in rows if row.reason == "processing_failed"]
    assert (recorded.request_id, recorded.tenant, recorded.consumer_group) == ("r-9", "acme", "guardrail")


class FlakyStore(FakeDeadLetterStore):
    def __init__(self, failures: int) -> None:
        super().__init__()
        self.failures = failures

    async def record(self, row) -> bool:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("database unavailable")
        return await super().record(row)


async def test_a_database_error_is_retried_and_then_raised_so_the_record_is_not_acknowledged():
    row = row_for_record(b"{not json", WHERE, DEAD_LETTER_GROUP)
    assert await service.record_dead_letter(row, FlakyStore(failures=1), attempts=2) is True
    with pytest.raises(ConnectionError):
        await service.record_dead_letter(row, FlakyStore(failures=2), attempts=2)
