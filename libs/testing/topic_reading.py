"""Reading topics and consumer-group offsets directly, for tests that check what a stage published or
committed without going through the client library."""

import asyncio

from aiokafka import AIOKafkaConsumer, TopicPartition


async def end_offsets(bootstrap: str, topic: str) -> dict[TopicPartition, int]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await consumer.start()
    try:
        return await consumer.end_offsets([TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic)])
    finally:
        await consumer.stop()


async def read_all(bootstrap: str, topic: str) -> list[bytes]:
    """Every record value of the topic, from its beginning up to its end at the time of the call."""
    ends = {tp: end for tp, end in (await end_offsets(bootstrap, topic)).items() if end > 0}
    if not ends:
        return []
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, fetch_max_wait_ms=20)
    await consumer.start()
    try:
        consumer.assign(list(ends))
        await consumer.seek_to_beginning(*ends)
        values, unread = [], dict(ends)
        while unread:
            for tp, records in (await consumer.getmany(timeout_ms=200)).items():
                values += [r.value for r in records if r.offset < ends[tp]]
            unread = {tp: end for tp, end in unread.items() if await consumer.position(tp) < end}
        return values
    finally:
        await consumer.stop()


async def committed_past(reader: AIOKafkaConsumer, marks: dict[TopicPartition, int]) -> bool:
    committed = {tp: await reader.committed(tp) or 0 for tp in marks}
    return all(committed[tp] >= mark for tp, mark in marks.items())


async def wait_until_group_past(bootstrap: str, group: str, marks: dict[TopicPartition, int], timeout_s: float) -> None:
    """Wait until the group committed past the marks, i.e. its handler finished with everything before them.

    A crash after handling but before the commit makes this wait for the redelivery to be handled too.
    """
    reader = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    await reader.start()  # subscribes to nothing, so it never joins the group: it only reads its offsets
    try:
        deadline = asyncio.get_running_loop().time() + timeout_s
        while not await committed_past(reader, marks):
            assert asyncio.get_running_loop().time() < deadline, f"{group} not past {marks} in {timeout_s:.0f}s"
            await asyncio.sleep(0.1)
    finally:
        await reader.stop()
