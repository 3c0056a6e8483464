"""A broker restart under running services, on a stack of its own (the restart wipes every topic).

Tansu here keeps its log in memory: questions on the topics when it stops are gone, and their callers see
a timeout at their deadline. What must hold: every process reconnects by itself, and questions asked after
the restart are answered, each once.
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


async def test_after_a_broker_restart_every_process_reconnects_and_new_questions_are_answered_once(own_stack, tenant):
    async with RagClient(own_stack.config.bootstrap_servers) as rag:
        await ingest_text(rag, tenant, "travel", POLICY)
        before = [await rag.ask(QUESTION, tenant, timeout_s=30) for _ in range(3)]
        await asyncio.to_thread(own_stack.restart_broker)
        after = await asyncio.gather(*(rag.ask(QUESTION, tenant, timeout_s=60) for _ in range(5)))
        late = []
        with contextlib.suppress(TimeoutError):  # nothing else may reach the caller: a re-read answer is dropped
            late.append(await asyncio.wait_for(anext(rag.answers()), 2))

    assert [a.status for a in before] == ["ok"] * 3
    assert [a.status for a in after] == ["ok"] * 5 and all("180 EUR" in a.answer for a in after)
    assert len({a.request_id for a in after}) == 5 and late == []
