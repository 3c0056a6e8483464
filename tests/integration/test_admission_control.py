"""Admission control at the door (ADR 0015, option 2) on the real broker: behind a backlog at the input guardrail
longer than a question's deadline allows, the client refuses the question at once without publishing it; every
question that was published is still answered, once; and when the backlog has drained, questions are admitted again."""

import asyncio
import time

import pytest

from libs.client.admission import OVERLOADED
from libs.client.rag_client import RagClient
from libs.contracts.questions import AnswerStatus
from libs.testing.handbook import HANDBOOK, HANDBOOK_QUESTIONS as QUESTIONS
from libs.testing.support import ingest_text

pytestmark = pytest.mark.integration

FLOOD = 200  # questions published at once, admission off: several seconds of work for the input guardrail
TIMEOUT_S = 4.0  # the deadline of the questions asked behind the flood; refused above a 2 s backlog


async def wait_until(condition, limit_s: float) -> bool:
    give_up = time.monotonic() + limit_s
    while not condition() and time.monotonic() < give_up:
        await asyncio.sleep(0.05)
    return condition()


async def collect(rag: RagClient, wanted: set[str], got: dict[str, AnswerStatus]) -> None:
    async for answer in rag.answers():
        if answer.request_id in wanted:
            got[answer.request_id] = answer.status


@pytest.mark.timeout(150)
async def test_behind_a_backlog_questions_are_refused_at_once_and_every_accepted_one_is_answered(stack, tenant):
    bootstrap = stack.config.bootstrap_servers
    async with RagClient(bootstrap) as flooder, RagClient(bootstrap, max_backlog_share=0.5, backlog_check_s=0.2) as rag:
        await ingest_text(flooder, tenant, "handbook", HANDBOOK)
        assert (await rag.ask(QUESTIONS[0], tenant, timeout_s=30)).status == AnswerStatus.OK  # no backlog: admitted

        flood = set(await asyncio.gather(*(flooder.send_question(QUESTIONS[n % len(QUESTIONS)], tenant, timeout_s=120)
                                           for n in range(FLOOD))))
        answered: dict[str, AnswerStatus] = {}
        collector = asyncio.create_task(collect(flooder, flood, answered))
        assert await wait_until(lambda: rag.backlog_s() > TIMEOUT_S, 30), rag.backlog_s()

        started = time.monotonic()
        refused = await rag.ask(QUESTIONS[1], tenant, timeout_s=TIMEOUT_S)
        took_s = time.monotonic() - started
        assert (refused.status, refused.reason) == (AnswerStatus.FAILED, OVERLOADED)
        assert took_s < TIMEOUT_S / 4 and rag.refused == 1  # told at the door, not after waiting out its deadline

        assert await wait_until(lambda: len(answered) == FLOOD, 120), f"{len(answered)}/{FLOOD} flood answers"
        collector.cancel()
        assert set(answered.values()) == {AnswerStatus.OK}  # a 120 s deadline: nothing expired, nothing refused
        assert await wait_until(lambda: rag.backlog_s() == 0.0, 10), rag.backlog_s()
        admitted = await rag.ask(QUESTIONS[2], tenant, timeout_s=30)
        assert admitted.status == AnswerStatus.OK and rag.refused == 1

        await asyncio.sleep(1.0)  # a published refused question would be answered by now and dropped as a duplicate
        assert (rag.duplicates_dropped, flooder.duplicates_dropped) == (0, 0)
