"""A service killed mid-stream loses nothing: offsets are committed only after the output is published."""

import asyncio
from collections import Counter

import asyncpg
import pytest

from libs.client.rag_client import RagClient
from libs.contracts import topics
from libs.contracts.documents import DocumentIngested, SubmitDocument
from libs.contracts.envelope import new_id
from libs.contracts.evaluation import AnswerScored
from libs.platform.sampling import is_sampled
from libs.platform.settings import ChromaSettings
from libs.stores.chunk_index import ChunkIndex, open_client
from libs.testing.topic_reading import end_offsets, read_all, wait_until_group_past

pytestmark = pytest.mark.integration

POLICY = "# Travel\n\nThe hotel cap for staff travel is 180 EUR per night.\n\nTrain travel is second class."
QUESTION = "What is the hotel cap per night?"
METRICS = ("faithfulness", "answer_relevance")


async def collect(rag: RagClient, count: int, timeout_s: float) -> list:
    answers = []

    async def gather() -> None:
        async for answer in rag.answers():
            answers.append(answer)
            if len(answers) == count:
                return

    await asyncio.wait_for(gather(), timeout_s)
    return answers


async def ingest_policy(rag: RagClient, tenant: str) -> None:
    doc = SubmitDocument(request_id=new_id(), tenant=tenant, document_id="travel", text=POLICY, source="travel.md")
    await rag.ingest(doc, timeout_s=60)


def sampled_ids(count: int, rate: float) -> list[str]:
    ids: list[str] = []
    while len(ids) < count:
        ids += [rid for rid in [new_id()] if is_sampled(rid, rate)]
    return ids


@pytest.mark.parametrize("service", ["generate", "guardrail", "retrieve"])
async def test_sigkilled_service_loses_no_question_and_answers_each_once(stack, tenant, service):
    async with RagClient(stack.config.bootstrap_servers) as rag:
        await ingest_policy(rag, tenant)
        sent = [await rag.send_question(QUESTION, tenant, timeout_s=90) for _ in range(5)]
        stack.services[service].kill()
        sent += [await rag.send_question(QUESTION, tenant, timeout_s=90) for _ in range(5)]
        await asyncio.to_thread(stack.restart_service, service)
        answers = await collect(rag, len(sent), timeout_s=60)

    assert sorted(a.request_id for a in answers) == sorted(sent)
    assert all(a.status == "ok" and "180 EUR" in a.answer for a in answers)


async def test_sigkilled_evaluator_scores_each_sampled_answer_once(stack, tenant):
    """Answers completed while the evaluator is dead are scored after its restart, each metric once."""
    bootstrap, rate = stack.config.bootstrap_servers, float(stack.config.extra_env["EVAL_SAMPLE_RATE"])
    ids = sampled_ids(8, rate)
    async with RagClient(bootstrap) as rag:
        await ingest_policy(rag, tenant)
        for request_id in ids[:4]:
            await rag.send_question(QUESTION, tenant, timeout_s=90, request_id=request_id)
        stack.services["evaluate"].kill()
        for request_id in ids[4:]:
            await rag.send_question(QUESTION, tenant, timeout_s=90, request_id=request_id)
        answers = await collect(rag, len(ids), timeout_s=60)
    await asyncio.sleep(1.0)  # the reply and rag.answer-completed.v1 are two publishes: let the second land
    marks = await end_offsets(bootstrap, topics.ANSWER_COMPLETED)
    await asyncio.to_thread(stack.restart_service, "evaluate")
    await wait_until_group_past(bootstrap, "evaluate", marks, timeout_s=60)

    assert sorted(a.request_id for a in answers) == sorted(ids) and all(a.status == "ok" for a in answers)
    connection = await asyncpg.connect(stack.config.database_url)
    try:
        rows = await connection.fetch("SELECT request_id, metric FROM eval_scores WHERE request_id = ANY($1::text[])", ids)
    finally:
        await connection.close()
    once_each = Counter({(rid, metric): 1 for rid in ids for metric in METRICS})
    assert Counter((row["request_id"], row["metric"]) for row in rows) == once_each
    events = [AnswerScored.model_validate_json(v) for v in await read_all(bootstrap, topics.ANSWER_SCORED)]
    # At least once on the topic (a crash between publishing a score and storing it repeats the event;
    # its consumers dedupe by request, metric and judge), once in the store.
    assert {(e.request_id, e.metric) for e in events if e.request_id in ids} == set(once_each)


async def test_documents_submitted_across_an_ingest_sigkill_are_each_ingested_once(stack, tenant):
    docs = [SubmitDocument(request_id=new_id(), tenant=tenant, document_id=f"travel-{n}", source=f"travel-{n}.md",
                           text=POLICY.replace("180", str(180 + n))) for n in range(6)]
    async with RagClient(stack.config.bootstrap_servers) as rag:
        first = [asyncio.create_task(rag.ingest(doc, timeout_s=90)) for doc in docs[:3]]
        await asyncio.sleep(0.2)  # published, and being embedded
        stack.services["ingest"].kill()
        later = [asyncio.create_task(rag.ingest(doc, timeout_s=90)) for doc in docs[3:]]
        await asyncio.to_thread(stack.restart_service, "ingest")
        reports = await asyncio.gather(*first, *later)
        answer = await rag.ask("What is the hotel cap per night?", tenant, timeout_s=60)

    index = ChunkIndex(open_client(ChromaSettings(url=f"http://127.0.0.1:{stack.config.chroma_port}")), "chunks",
                       embedder=None)
    stored = index.tenant_chunks(tenant)
    assert len({c.chunk_id for c in stored}) == len(stored)
    per_document = Counter(c.document_id for c in stored)
    assert set(per_document) == {doc.document_id for doc in docs}
    # Embedded and added once: over every report of a submission (a redelivery reports again, adding nothing),
    # the chunks added are the chunks stored, or none when the killed attempt stored them before it could report.
    ours = {doc.request_id for doc in docs}
    events = [DocumentIngested.model_validate_json(v)
              for v in await read_all(stack.config.bootstrap_servers, topics.DOCUMENT_INGESTED)]
    added = Counter()
    for event in events:
        if event.request_id in ours:
            added[event.document_id] += event.chunks_added
    in_flight = {doc.document_id for doc in docs[:3]}
    assert {d: added[d] for d in per_document if d not in in_flight} == {d: n for d, n in per_document.items() if d not in in_flight}
    assert all(added[d] in (0, per_document[d]) for d in in_flight), (added, per_document)
    assert [r.document_id for r in reports] == [doc.document_id for doc in docs]
    assert answer.status == "ok"
