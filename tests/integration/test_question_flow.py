"""A question travels guardrail → retrieve → generate → guardrail over the real broker, five processes."""

import asyncio
import base64
import json
import uuid

import asyncpg
import pytest

from libs.client.rag_client import RagClient
from libs.contracts import topics
from libs.contracts.envelope import new_id
from libs.contracts.evaluation import DeadLetter
from libs.evaluation.judges import OfflineJudge
from libs.devstack.processes import http_ok
from libs.platform.sampling import is_sampled
from libs.testing.support import find_record, ingest_text

pytestmark = pytest.mark.integration

ORBITAL_TRAVEL = "# Travel\n\nThe hotel cap for staff travel is 180 EUR per night.\n\nTrain travel is second class."
ORBITAL_WHEELS = "# RW-200\n\nThe RW-200 reaction wheel weighs 1.2 kg and stores 0.2 Nms of momentum."
OTHER_TENANT_TRAVEL = "# Travel\n\nThe hotel cap for staff travel is 95 GBP per night.\n\nFlights are economy."




async def test_every_service_is_healthy_and_ready(stack):
    for name in stack.services:
        port = stack.config.health_ports[name]
        assert http_ok(f"http://127.0.0.1:{port}/healthz"), name
        assert http_ok(f"http://127.0.0.1:{port}/readyz"), name


async def test_answer_cites_only_the_askers_tenant(stack, tenant):
    other = f"{tenant}-other"
    async with RagClient(stack.config.bootstrap_servers) as rag:
        await ingest_text(rag, tenant, "travel-policy", ORBITAL_TRAVEL)
        await ingest_text(rag, tenant, "rw-200", ORBITAL_WHEELS)
        await ingest_text(rag, other, "travel-policy-other", OTHER_TENANT_TRAVEL)
        answer = await rag.ask("What is the hotel cap per night for staff travel?", tenant, timeout_s=30)

    assert answer.status == "ok", answer
    assert "180 EUR" in answer.answer
    assert "95 GBP" not in answer.answer
    cited = {c.document_id for c in answer.citations}
    assert cited == {"travel-policy"}
    assert set(answer.stage_ms) >= {"guardrail_in", "retrieve", "generate", "guardrail_out"}
    assert len(answer.trace_id) == 32


async def test_the_other_tenant_gets_its_own_answer(stack, tenant):
    other = f"{tenant}-b"
    async with RagClient(stack.config.bootstrap_servers) as rag:
        await ingest_text(rag, tenant, "travel-policy", ORBITAL_TRAVEL)
        await ingest_text(rag, other, "travel-policy-other", OTHER_TENANT_TRAVEL)
        answer = await rag.ask("What is the hotel cap per night for staff travel?", other, timeout_s=30)
    assert "95 GBP" in answer.answer
    assert {c.document_id for c in answer.citations} == {"travel-policy-other"}


async def test_malformed_message_is_dead_lettered_and_the_next_is_answered(stack, tenant):
    garbage = b'{"request_id": "' + uuid.uuid4().hex.encode() + b'", "tenant": 42, "question": \xff}'
    async with RagClient(stack.config.bootstrap_servers) as rag:
        await ingest_text(rag, tenant, "travel-policy", ORBITAL_TRAVEL)
        await rag.publish(topics.QUESTION_ASKED, "garbage", garbage)
        answer = await rag.ask("What is the hotel cap per night?", tenant, timeout_s=30)
    assert answer.status == "ok" and "180 EUR" in answer.answer

    record = await find_record(
        stack.config.bootstrap_servers, topics.DEAD_LETTERED,
        lambda value: json.loads(value)["original_value_b64"] == base64.b64encode(garbage).decode(),
    )
    assert record is not None, "the malformed message never reached the dead-letter topic"
    letter = DeadLetter.model_validate_json(record.value)
    assert letter.reason == "invalid_message"
    assert letter.source_topic == topics.QUESTION_ASKED
    assert letter.consumer_group == "guardrail"
    assert base64.b64decode(letter.original_value_b64) == garbage


async def test_oversized_question_is_blocked_without_reaching_the_model(stack, tenant):
    async with RagClient(stack.config.bootstrap_servers) as rag:
        answer = await rag.ask("why " * 5000, tenant, timeout_s=30)
    assert answer.status == "blocked"
    assert answer.reason == "question_length_exceeded"
    assert "generate" not in answer.stage_ms


async def test_question_without_supporting_documents_is_abstained(stack, tenant):
    async with RagClient(stack.config.bootstrap_servers) as rag:
        await ingest_text(rag, tenant, "rw-200", ORBITAL_WHEELS)
        answer = await rag.ask("Who is the chief executive of the parent company?", tenant, timeout_s=30)
    assert answer.status == "abstained"
    assert answer.reason == "no_supported_answer"


async def test_answers_are_logged_and_scored_in_postgres(stack, tenant):
    async with RagClient(stack.config.bootstrap_servers) as rag:
        await ingest_text(rag, tenant, "travel-policy", ORBITAL_TRAVEL)
        sampled_id = next(rid for rid in (new_id() for _ in range(1000)) if is_sampled(rid, 0.5))
        answer = await rag.ask("What is the hotel cap per night?", tenant, timeout_s=30, request_id=sampled_id)
    connection = await asyncpg.connect(stack.config.database_url)
    try:
        logged = await connection.fetchrow("SELECT question FROM requests WHERE request_id = $1", answer.request_id)
        stored = await connection.fetchrow("SELECT status FROM answers WHERE request_id = $1", answer.request_id)
        score = None
        for _ in range(100):  # the evaluator scores asynchronously, in its own consumer group
            score = await connection.fetchrow(
                "SELECT value, judge FROM eval_scores WHERE request_id = $1 AND metric = 'faithfulness'", answer.request_id
            )
            if score:
                break
            await asyncio.sleep(0.1)
    finally:
        await connection.close()
    assert logged["question"] == "What is the hotel cap per night?"
    assert stored["status"] == "ok"
    assert score is not None and score["value"] == 1.0 and score["judge"] == OfflineJudge.name


async def test_a_question_already_late_is_answered_expired_unscreened_and_its_text_not_stored(stack, tenant):
    marker = f"Late question {uuid.uuid4().hex}: how much is the hotel cap?"
    async with RagClient(stack.config.bootstrap_servers) as rag:
        request_id = await rag.send_question(marker, tenant, timeout_s=-1)
        answer = await asyncio.wait_for(anext(rag.answers()), 30)
    assert (answer.request_id, answer.status, answer.reason) == (request_id, "expired", "deadline_passed")
    assert answer.checks == [] and answer.generation is None  # not screened, not retrieved, not drafted
    db = await asyncpg.connect(stack.config.database_url)
    try:
        stored = await db.fetchval("SELECT question FROM requests WHERE request_id = $1", request_id)
    finally:
        await db.close()
    assert stored is not None and "hotel cap" not in stored
