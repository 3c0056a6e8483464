"""A broker restart under running services, on a stack of its own (the restart wipes every topic).

Tansu here keeps its log in memory: questions on the topics when it stops, or sent while the consumer groups
re-form after it is back, can be lost, and their callers see a timeout at their deadline. What must hold:
every process reconnects by itself, and once the stack answers again, every question is answered, once.
"""

import asyncio
import contextlib

import pytest

from libs.client.rag_client import RagClient
from libs.devstack.stack import LocalStack
from libs.testing.support import ingest_text, isolated_stack_config

pytestmark = pytest.mark.integration

POLICY = "# Travel\n\nThe hotel cap for staff travel is 180 EUR per night.\n\nTrain travel is second class."
QUESTION = "What is the hotel cap per night?"


@pytest.fixture(scope="module")
def own_stack(tmp_path_factory):
    local = LocalStack(isolated_stack_config(tmp_path_factory.mktemp("broker-restart")))
    try:
        local.up()
        yield local
    finally:
        local.down()


async def first_answer_after(rag: RagClient, tenant: str, within_s: float) -> float:
    """Seconds until a question is answered again: each try waits 10 s, a lost one is simply asked again."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    while loop.time() - started < within_s:
        with contextlib.suppress(TimeoutError):
            await rag.ask(QUESTION, tenant, timeout_s=10)
            return loop.time() - started
    raise AssertionError(f"no answer within {within_s} s of the broker restart")


async def answers_within(rag: RagClient, seconds: float) -> list:
    """Answers no caller waits for (e.g. to questions whose ask timed out), for `seconds`."""
    received = []

    async def drain() -> None:
        async for answer in rag.answers():
            received.append(answer)

    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(drain(), seconds)
    return received


async def test_after_a_broker_restart_every_process_reconnects_and_new_questions_are_answered_once(own_stack, tenant):
    async with RagClient(own_stack.config.bootstrap_servers) as rag:
        await ingest_text(rag, tenant, "travel", POLICY)
        before = [await rag.ask(QUESTION, tenant, timeout_s=30) for _ in range(3)]
        await asyncio.to_thread(own_stack.restart_broker)
        recovered_after_s = await first_answer_after(rag, tenant, within_s=90)
        after = await asyncio.gather(*(rag.ask(QUESTION, tenant, timeout_s=30) for _ in range(5)))
        late = await answers_within(rag, 2.0)  # a re-read answer must be dropped, not handed over again

    print(f"answering again {recovered_after_s:.1f} s after the broker restart")
    assert [a.status for a in before] == ["ok"] * 3
    assert [a.status for a in after] == ["ok"] * 5 and all("180 EUR" in a.answer for a in after)
    assert len({a.request_id for a in after}) == 5
    assert not {a.request_id for a in after} & {a.request_id for a in late}
