"""Helpers the integration tests share."""

import asyncio
import os
import socket
from pathlib import Path
from collections.abc import Callable

from aiokafka import AIOKafkaConsumer, TopicPartition


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def find_record(bootstrap: str, topic: str, matches: Callable[[bytes], bool], timeout_s: float = 20.0):
    """Read the topic from the beginning until a record's value matches; None after the timeout.

    Records the matcher cannot read (other tests publish hostile bytes on purpose) do not match."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, fetch_max_wait_ms=20)
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or []]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        deadline = asyncio.get_running_loop().time() + timeout_s
        while asyncio.get_running_loop().time() < deadline:
            batches = await consumer.getmany(timeout_ms=200)
            for records in batches.values():
                for record in records:
                    if _matches(matches, record.value):
                        return record
        return None
    finally:
        await consumer.stop()


async def ingest_text(rag, tenant: str, document_id: str, text: str) -> None:
    """Index one Markdown text for a tenant through the real ingest service, and check it produced chunks."""
    from libs.contracts.documents import SubmitDocument
    from libs.contracts.envelope import new_id

    doc = SubmitDocument(request_id=new_id(), tenant=tenant, document_id=document_id, text=text, source=f"{document_id}.md")
    assert (await rag.ingest(doc, timeout_s=60)).chunks_added >= 1


TEST_DATABASE_URL = os.environ.get("RAGBUS_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")


def _matches(matches: Callable[[bytes], bool], value: bytes) -> bool:
    try:
        return bool(matches(value))
    except (ValueError, TypeError, KeyError, AttributeError):
        return False


def isolated_stack_config(run_dir: Path, database_url: str = TEST_DATABASE_URL) -> "StackConfig":
    """A local stack on free ports with short consumer-group timeouts, so rebalances take about a second."""
    from libs.devstack.stack import SERVICES, StackConfig

    return StackConfig(
        run_dir=run_dir, kafka_port=free_port(), chroma_port=free_port(),
        health_ports={name: free_port() for name in SERVICES}, database_url=database_url,
        extra_env={"KAFKA_SESSION_TIMEOUT_MS": "2000", "KAFKA_HEARTBEAT_INTERVAL_MS": "300", "EVAL_SAMPLE_RATE": "0.5",
                   "EVAL_DRIFT_WINDOW": "10", "EVAL_DRIFT_BASELINE_WINDOW": "10", "EVAL_DRIFT_MAX_DROP": "0.2"},
    )
