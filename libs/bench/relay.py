"""Relays for the hop benchmark: a plain aiokafka relay and a ragbus stage relay, same broker and settings.

Run as `python scripts/bench_relay.py raw|ragbus IN OUT --bootstrap HOST:PORT`.
"""

import asyncio

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from faststream.kafka import KafkaBroker

from libs.contracts.envelope import Envelope
from libs.platform.broker import create_broker
from libs.platform.dead_letters import DeadLetterPublisher
from libs.platform.settings import KafkaSettings
from libs.platform.stage import register_stage, subscriber_options


class Ping(Envelope):
    """What the hop benchmark sends: an envelope and a send time."""

    sent_ns: int


async def raw_relay(source: str, target: str, settings: KafkaSettings, group: str) -> None:
    options = subscriber_options(settings, group)
    consumer = AIOKafkaConsumer(
        source, bootstrap_servers=settings.bootstrap_servers, group_id=group, enable_auto_commit=False,
        auto_offset_reset="earliest", session_timeout_ms=options["session_timeout_ms"],
        heartbeat_interval_ms=options["heartbeat_interval_ms"], fetch_max_wait_ms=options["fetch_max_wait_ms"],
    )
    producer = AIOKafkaProducer(bootstrap_servers=settings.bootstrap_servers, acks="all")
    await consumer.start()
    await producer.start()
    try:
        async for record in consumer:
            await producer.send_and_wait(target, record.value, key=record.key, headers=record.headers)
            await consumer.commit()
    finally:
        await consumer.stop()
        await producer.stop()


def ragbus_relay_app(source: str, target: str, settings: KafkaSettings, group: str) -> KafkaBroker:
    """A ragbus stage doing no work: validation, telemetry, logging and dead-lettering as in the services."""
    broker = create_broker(settings, group)
    forward = broker.publisher(target)

    async def handle(ping: Ping) -> None:
        await forward.publish(ping, key=ping.request_id.encode())

    register_stage(broker, topic=source, group=group, event_type=Ping, handle=handle, kafka=settings,
                   dead_letters=DeadLetterPublisher(broker))
    return broker


async def run_ragbus_relay(source: str, target: str, settings: KafkaSettings, group: str) -> None:
    broker = ragbus_relay_app(source, target, settings, group)
    await broker.start()
    try:
        await asyncio.Event().wait()
    finally:
        await broker.stop()
