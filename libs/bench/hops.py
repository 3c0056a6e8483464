"""Round-trip timing through the broker: one message at a time, from send to arrival on the last topic."""

import asyncio
import time

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from libs.bench.relay import Ping
from libs.contracts.envelope import new_id


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
