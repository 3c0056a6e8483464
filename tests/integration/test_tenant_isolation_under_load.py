"""Tenant isolation under concurrent load: three tenants with look-alike documents ask at once, interleaved;
no answer retrieves, cites or quotes another tenant's text. The tenant filter runs inside both searches, so
this holds per request, not on average."""

import asyncio

import pytest

from libs.client.rag_client import RagClient
from libs.testing.support import ingest_text

pytestmark = pytest.mark.integration

HOTEL_CAPS = ("180 EUR", "95 GBP", "240 CHF")
QUESTIONS = ("What is the hotel cap per night for staff travel?", "How should staff travel by train?",
             "Who approves travel?", "What is the hotel cap?", "Which class are flights booked in?")


def travel_policy(cap: str, approver: str) -> str:
    return (f"# Travel\n\nThe hotel cap for staff travel is {cap} per night.\n\n## Approval\n\n"
            f"Every trip is approved by the {approver} before booking.\n\n## Trains and flights\n\n"
            f"Train travel is second class. Flights are economy.")


@pytest.mark.timeout(120)
async def test_concurrent_questions_of_three_tenants_never_see_each_others_documents(stack, tenant):
    tenants = [f"{tenant}-{n}" for n in range(len(HOTEL_CAPS))]
    async with RagClient(stack.config.bootstrap_servers) as rag:
        for own, cap, approver in zip(tenants, HOTEL_CAPS, ("line manager", "finance office", "travel desk")):
            await ingest_text(rag, own, f"{own}-travel", travel_policy(cap, approver))
        asks = [(tenants[n % len(tenants)], QUESTIONS[n % len(QUESTIONS)]) for n in range(90)]
        answers = await asyncio.gather(*(rag.ask(question, own, timeout_s=60) for own, question in asks))

    assert sum(a.status == "ok" for a in answers) >= len(answers) // 2, [a.status for a in answers]  # most are answered
    for (own, _), answer in zip(asks, answers):
        others = [cap for other, cap in zip(tenants, HOTEL_CAPS) if other != own]
        assert answer.tenant == own
        assert {ref.document_id for ref in answer.retrieved} <= {f"{own}-travel"}, answer.retrieved
        assert {c.document_id for c in answer.citations} <= {f"{own}-travel"}
        assert not any(cap in answer.answer or cap in answer.context_text for cap in others), answer.answer
