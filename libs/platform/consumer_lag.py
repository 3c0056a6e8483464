"""Consumer lag per group and topic, read every few seconds and recorded as the `ragbus.consumer.lag` gauge.

Lag is the end offset minus the group's committed offset, summed over the topic's partitions; a partition
the group never committed counts from its beginning offset (where `auto_offset_reset=earliest` starts).

Each group's offsets are read by an aiokafka consumer that carries the group id but never subscribes: it
asks for committed offsets (OffsetFetch) and end offsets (ListOffsets) without joining the group, so the
service's own consumers are never rebalanced. The admin client is no alternative: on Tansu 0.6 its
`list_consumer_group_offsets` loses the connection decoding the reply, and aiokafka 0.14's admin client has
no list-offsets call (both checked 2026-11-26).
"""

from collections import defaultdict
from dataclasses import dataclass

import structlog
from aiokafka import AIOKafkaConsumer, TopicPartition
from faststream.kafka import KafkaBroker

from libs.platform.broker import client_options
from libs.platform.metrics import CONSUMER_LAG, gauge
from libs.platform.periodic import Periodic
from libs.platform.settings import KafkaSettings

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class GroupTopics:
    group: str
    topics: tuple[str, ...]


def consumed_by_groups(broker: KafkaBroker) -> list[GroupTopics]:
    """The consumer groups of the broker's subscribers and their topics (subscribers without a group have no lag)."""
    topics: dict[str, set[str]] = defaultdict(set)
    for subscriber in broker.subscribers:
        if subscriber.group_id:
            topics[subscriber.group_id].update(subscriber.topic_names)
    return [GroupTopics(group, tuple(sorted(names))) for group, names in sorted(topics.items())]


def lag_by_topic(end: dict[TopicPartition, int], committed: dict[TopicPartition, int | None],
                 beginning: dict[TopicPartition, int]) -> dict[str, int]:
    lag: dict[str, int] = defaultdict(int)
    for partition, end_offset in end.items():
        start = committed.get(partition)
        start = beginning.get(partition, 0) if start is None else start
        lag[partition.topic] += max(0, end_offset - start)
    return dict(lag)


class GroupLagReader:
    def __init__(self, wanted: GroupTopics, options: dict) -> None:
        self.wanted = wanted
        self._options = options
        self._consumer: AIOKafkaConsumer | None = None  # created in the event loop, at the first reading

    async def read(self) -> dict[str, int]:
        end, committed, beginning = await self.offsets()
        return {topic: 0 for topic in self.wanted.topics} | lag_by_topic(end, committed, beginning)

    async def offsets(self) -> tuple[dict[TopicPartition, int], dict[TopicPartition, int | None],
                                     dict[TopicPartition, int]]:
        """End offsets, the group's committed offsets (None: never committed) and, for those, the beginning offsets."""
        if self._consumer is None:
            consumer = AIOKafkaConsumer(group_id=self.wanted.group, enable_auto_commit=False, **self._options)
            await consumer.start()
            self._consumer = consumer
        partitions = await self._partitions()
        committed = {partition: await self._consumer.committed(partition) for partition in partitions}
        end = await self._consumer.end_offsets(partitions)
        never_committed = [partition for partition, offset in committed.items() if offset is None]
        beginning = await self._consumer.beginning_offsets(never_committed) if never_committed else {}
        return end, committed, beginning

    async def _partitions(self) -> list[TopicPartition]:
        if any(self._consumer.partitions_for_topic(topic) is None for topic in self.wanted.topics):
            await self._consumer.topics()  # refreshes the metadata
        return [TopicPartition(topic, number) for topic in self.wanted.topics
                for number in sorted(self._consumer.partitions_for_topic(topic) or ())]

    async def close(self) -> None:
        if self._consumer is not None:
            await self._consumer.stop()
            self._consumer = None


class ConsumerLagMonitor:
    """Records every group's lag each `interval_s` (0: off) while the service runs."""

    def __init__(self, kafka: KafkaSettings, groups: list[GroupTopics], interval_s: float) -> None:
        self._readers = [GroupLagReader(wanted, client_options(kafka)) for wanted in groups]
        self._ticker = Periodic("consumer-lag", self.record, interval_s)

    async def record(self) -> dict[tuple[str, str], int]:
        """One reading of every group; a group that cannot be read keeps its last value until the next tick."""
        recorded = {}
        for reader in self._readers:
            try:
                lags = await reader.read()
            except Exception as error:
                log.warning("consumer lag not read", group=reader.wanted.group, error=repr(error)[:300])
                continue
            for topic, lag in lags.items():
                gauge(CONSUMER_LAG).set(lag, {"group": reader.wanted.group, "topic": topic})
                recorded[reader.wanted.group, topic] = lag
        return recorded

    async def start(self) -> None:
        await self._ticker.start()

    async def stop(self) -> None:
        await self._ticker.stop()
        for reader in self._readers:
            await reader.close()
