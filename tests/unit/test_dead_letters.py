"""Dead letters fit a Kafka request, and hostile bytes reach the stage instead of faststream's own parsing."""

import base64
import hashlib
import json
from types import SimpleNamespace

import structlog
from aiokafka.structs import ConsumerRecord
from faststream.kafka import KafkaBroker, TestKafkaBroker

from libs.contracts.questions import AskQuestion
from libs.platform.dead_letters import MAX_ORIGINAL_BYTES, DeadLetterPublisher, dead_letter_for
from libs.platform.settings import KafkaSettings
from libs.platform.stage import parse_tolerantly, register_stage


def message(body: bytes, headers=(), key: bytes | None = b"k") -> SimpleNamespace:
    record = SimpleNamespace(topic="rag.question-asked.v1", partition=2, offset=41, key=key, headers=headers)
    return SimpleNamespace(body=body, raw_message=record)


def test_a_small_original_is_carried_whole():
    letter = dead_letter_for(message(b"{bad"), "guardrail", "invalid_message", "boom")
    assert base64.b64decode(letter.original_value_b64) == b"{bad"
    assert (letter.original_size, letter.original_truncated) == (4, False)
    assert letter.original_sha256 == hashlib.sha256(b"{bad").hexdigest()


def test_a_huge_original_is_cut_so_the_dead_letter_fits_a_one_megabyte_request():
    body = b"x" * 3_000_000
    letter = dead_letter_for(message(body, headers=(("h", b"v" * 5000),)), "guardrail", "invalid_message", "e" * 9000)
    assert len(letter.model_dump_json()) < 1_000_000
    assert base64.b64decode(letter.original_value_b64) == body[:MAX_ORIGINAL_BYTES]
    assert (letter.original_size, letter.original_truncated) == (3_000_000, True)
    assert letter.original_sha256 == hashlib.sha256(body).hexdigest()


async def test_headers_that_are_not_utf8_or_null_still_parse_and_a_reply_to_header_is_ignored():
    headers = [("traceparent", b"\xff\xfe"), ("x", None), ("reply_to", b"x" * 5000)]
    record = ConsumerRecord("t", 0, 5, 0, 0, b"k", b"{}", None, 2, 2, headers=headers)
    seen = {}

    async def default_parser(parsed):
        seen["headers"] = {name: value.decode() for name, value in parsed.headers}  # what faststream does
        return parsed

    parsed = await parse_tolerantly(record, default_parser)
    assert (seen["headers"]["traceparent"], seen["headers"]["x"]) == ("\ufffd\ufffd", "")
    assert parsed.reply_to == ""  # faststream would publish the handler's return value to that topic


async def test_an_invalid_body_sent_as_json_is_dead_lettered_not_redelivered():
    broker = KafkaBroker()
    handled, letters = [], []

    async def handle(event: AskQuestion) -> None:
        handled.append(event)

    register_stage(broker, topic="in", group="g", event_type=AskQuestion, handle=handle, kafka=KafkaSettings(),
                   dead_letters=DeadLetterPublisher(broker))

    @broker.subscriber("ops.dead-lettered.v1")
    async def collect(body: dict) -> None:
        letters.append(body)

    async with TestKafkaBroker(broker) as test_broker:
        await test_broker.publish(b"{not json", "in", headers={"content-type": "application/json"})
    assert handled == [] and [letter["reason"] for letter in letters] == ["invalid_message"]


async def test_the_log_of_an_invalid_message_names_the_fields_not_their_values():
    broker = KafkaBroker()
    register_stage(broker, topic="in", group="g", event_type=AskQuestion, handle=lambda event: None,
                   kafka=KafkaSettings(), dead_letters=DeadLetterPublisher(broker))
    secret = "Patient Jane Roe, insurance number 7731-22-0091"
    body = json.dumps({"request_id": "r1", "tenant": "acme", "question": secret, "deadline": "not a date"}).encode()
    with structlog.testing.capture_logs() as logs:
        async with TestKafkaBroker(broker) as test_broker:
            await test_broker.publish(body, "in")
    [line] = [entry for entry in logs if entry["event"] == "message dead-lettered"]
    assert line["reason"] == "invalid_message" and "deadline: " in line["error"]
    assert secret not in repr(logs) and "not a date" not in repr(logs)
