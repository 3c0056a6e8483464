"""Round-trip timing through the broker: one message at a time, from send to arrival on the last topic; directly,
through one plain relay, through one ragbus stage, and through a chain of plain relays as long as the pipeline."""

import asyncio
import sys
import time
from pathlib import Path

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from libs.bench.relay import Ping
from libs.bench.targets import RAGBUS_HOP, RAW_CHAIN, RAW_HOP
from libs.contracts.envelope import new_id
from libs.devstack.processes import ManagedProcess
from libs.evaluation.metrics import percentile
from libs.platform.topics_admin import ensure_topics

CHAIN_RELAYS = 4  # the pipeline's consumers: guardrail (question), retrieve, generate, guardrail (draft) = 5 legs


async def tail_consumer(bootstrap: str, topic: str, fetch_max_wait_ms: int) -> AIOKafkaConsumer:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, fetch_max_wait_ms=fetch_max_wait_ms)
    await consumer.start()
    partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or [0]]
    consumer.assign(partitions)
    await consumer.seek_to_end(*partitions)
    for partition in partitions:
        await consumer.position(partition)
    return consumer


async def round_trips(bootstrap: str, send_topic: str, receive_topic: str, count: int, fetch_max_wait_ms: int = 20,
                      warmup: int = 20) -> list[float]:
    """Milliseconds from send to arrival for `count` messages sent one at a time (after a warm-up)."""
    consumer = await tail_consumer(bootstrap, receive_topic, fetch_max_wait_ms)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    timings = []
    try:
        for n in range(warmup + count):
            ping = Ping(request_id=new_id(), tenant="bench", sent_ns=time.perf_counter_ns())
            await producer.send_and_wait(send_topic, ping.model_dump_json().encode(), key=ping.request_id.encode())
            await _await_arrival(consumer, ping.request_id.encode())
            if n >= warmup:
                timings.append((time.perf_counter_ns() - ping.sent_ns) / 1e6)
    finally:
        await producer.stop()
        await consumer.stop()
    return timings


async def _await_arrival(consumer: AIOKafkaConsumer, key: bytes, timeout_s: float = 30.0) -> None:
    async def wait() -> None:
        while (await consumer.getone()).key != key:
            pass

    await asyncio.wait_for(wait(), timeout_s)


def relay(mode: str, source: str, target: str, bootstrap: str, run_dir: Path) -> ManagedProcess:
    command = [sys.executable, "scripts/bench_relay.py", mode, source, target, "--bootstrap", bootstrap,
               "--group", f"bench-{mode}-{source}"]
    process = ManagedProcess(f"relay-{mode}-{source}", command, run_dir)
    process.start()
    return process


async def timed(bootstrap: str, send: str, receive: str, count: int) -> dict:
    values = await round_trips(bootstrap, send, receive, count)
    return {"p50_ms": percentile(values, 50), "p99_ms": percentile(values, 99), "n": len(values)}


async def hop_benchmarks(bootstrap: str, run_dir: Path, count: int) -> dict:
    chain = [f"bench.chain-{n}" for n in range(CHAIN_RELAYS + 1)]
    await ensure_topics(bootstrap, ["bench.direct", "bench.raw-in", "bench.raw-out", "bench.rb-in", "bench.rb-out", *chain], 1)
    results = {"direct produce→consume": await timed(bootstrap, "bench.direct", "bench.direct", count)}
    relays = [relay("raw", "bench.raw-in", "bench.raw-out", bootstrap, run_dir),
              relay("ragbus", "bench.rb-in", "bench.rb-out", bootstrap, run_dir)]
    relays += [relay("raw", chain[n], chain[n + 1], bootstrap, run_dir) for n in range(CHAIN_RELAYS)]
    try:
        results[RAW_HOP] = await timed(bootstrap, "bench.raw-in", "bench.raw-out", count)
        results[RAGBUS_HOP] = await timed(bootstrap, "bench.rb-in", "bench.rb-out", count)
        results[RAW_CHAIN] = await timed(bootstrap, chain[0], chain[-1], max(count // 5, 50))
    finally:
        for process in relays:
            process.stop()
    return {**results, "chain_relays": CHAIN_RELAYS}
