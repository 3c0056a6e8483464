"""The client's reply reader on a live topic: a log that only grows is never mistaken for a lost one.

Tansu reports a partition's end offset as its last batch's first offset + 1, so a reader that has read a whole
batch is past the reported end. Taking that for a lost log made the client read every reply again from the
start (each one then dropped as a duplicate: 31 in one CI run of the overload test).
"""

import asyncio
import uuid

import pytest
from aiokafka import AIOKafkaProducer

from libs.client.rag_client import RagClient
from libs.platform.topics_admin import ensure_topics

pytestmark = pytest.mark.integration


@pytest.mark.timeout(60)
async def test_a_busy_reply_topic_is_not_taken_for_a_lost_log(stack):
    bootstrap = stack.config.bootstrap_servers
    reply_topic = f"test.replies.{uuid.uuid4().hex[:8]}"
    await ensure_topics(bootstrap, [reply_topic], partitions=1)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap.split(","), linger_ms=0)
    await producer.start()
    try:
        async with RagClient(bootstrap, reply_topic=reply_topic, log_loss_check_s=0.005) as rag:
            for n in range(1500):
                await producer.send(reply_topic, b'{"not": "an answer"}', key=str(n).encode())
                if n % 10 == 0:
                    await asyncio.sleep(0.002)  # a steady stream, read while the check runs
            await producer.flush()
            await asyncio.sleep(0.5)
            assert rag.log_losses_seen == 0
    finally:
        await producer.stop()
