"""A service killed mid-stream loses nothing: offsets are committed only after the output is published."""

import asyncio

import pytest

from libs.client.rag_client import RagClient
from libs.contracts.documents import SubmitDocument
from libs.contracts.envelope import new_id

pytestmark = pytest.mark.integration

POLICY = "# Travel\n\nThe hotel cap for staff travel is 180 EUR per night.\n\nTrain travel is second class."


async def collect(rag: RagClient, count: int, timeout_s: float) -> list:
    answers = []

    async def gather() -> None:
        async for answer in rag.answers():
            answers.append(answer)
            if len(answers) == count:
                return

    await asyncio.wait_for(gather(), timeout_s)
    return answers


@pytest.mark.parametrize("service", ["generate", "guardrail", "retrieve"])
async def test_sigkilled_service_loses_no_question_and_answers_each_once(stack, tenant, service):
    async with RagClient(stack.config.bootstrap_servers) as rag:
        doc = SubmitDocument(request_id=new_id(), tenant=tenant, document_id="travel", text=POLICY, source="travel.md")
        await rag.ingest(doc, timeout_s=60)
        sent = [await rag.send_question("What is the hotel cap per night?", tenant, timeout_s=90) for _ in range(5)]
        stack.services[service].kill()
        sent += [await rag.send_question("What is the hotel cap per night?", tenant, timeout_s=90) for _ in range(5)]
        await asyncio.to_thread(stack.restart_service, service)
        answers = await collect(rag, len(sent), timeout_s=60)

    assert sorted(a.request_id for a in answers) == sorted(sent)
    assert all(a.status == "ok" and "180 EUR" in a.answer for a in answers)
