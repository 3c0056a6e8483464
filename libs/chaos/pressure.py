"""What a load run watches while it flows: consumer lag per group and topic, requests in flight, the services'
and the broker's resident memory, and how many drafts generate produced (read from the services' /metrics and /proc)."""

import asyncio
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from libs.bench.procstats import process_stats
from libs.chaos.observe import read_metrics
from libs.devstack.stack import LocalStack

SAMPLE = re.compile(r"^(\w+)\{([^}]*)\}\s+([0-9.eE+-]+|NaN)$", re.MULTILINE)
LABEL = re.compile(r'(\w+)="([^"]*)"')
LAG = "ragbus_consumer_lag"
DRAFTS = "ragbus_generation_rung_total"


def samples(metrics_text: str, name: str) -> list[tuple[dict[str, str], float]]:
    """Every sample of one metric in Prometheus text, as (labels, value)."""
    return [(dict(LABEL.findall(labels)), float(value)) for metric, labels, value in SAMPLE.findall(metrics_text)
            if metric == name]


def consumer_lags(metrics_text: str) -> dict[str, int]:
    """`group:topic` → messages not yet consumed, as the service last read them."""
    return {f"{labels.get('group')}:{labels.get('topic')}": int(value) for labels, value in samples(metrics_text, LAG)}


def drafts_generated(metrics_text: str) -> int:
    return int(sum(value for _, value in samples(metrics_text, DRAFTS)))


@dataclass
class PressureWatch:
    """Samples every `every_s` until stopped; keeps each sample and the peaks."""

    stack: LocalStack
    every_s: float = 1.0
    series: list[dict] = field(default_factory=list)

    async def run(self, stop: asyncio.Event, in_flight: Callable[[], int]) -> None:
        while not stop.is_set():
            self.series.append(await asyncio.to_thread(self.sample, in_flight()))
            try:
                await asyncio.wait_for(stop.wait(), self.every_s)
            except TimeoutError:
                pass

    def sample(self, in_flight: int) -> dict:
        lags: dict[str, int] = {}
        for name in self.stack.services:
            lags |= consumer_lags(read_metrics(self.metrics_url(name)))
        return {"at": round(time.time(), 2), "in_flight": in_flight, "lag": lags, "rss_mb": self.rss_mb()}

    def rss_mb(self) -> dict[str, float]:
        """The services' resident memory, and the broker's: Tansu's memory storage holds the backlog."""
        processes = {**self.stack.services, "broker": self.stack.broker}
        stats = {name: process_stats(process.pid) for name, process in processes.items() if process.pid}
        return {name: round(stat.rss_mb, 1) for name, stat in stats.items() if stat}

    def drafts(self) -> int:
        return drafts_generated(read_metrics(self.metrics_url("generate")))

    def metrics_url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.stack.config.health_ports[service]}/metrics"

    def peaks(self) -> dict:
        return {"in_flight": max((s["in_flight"] for s in self.series), default=0),
                "lag": _max_by_key(s["lag"] for s in self.series),
                "rss_mb": _max_by_key(s["rss_mb"] for s in self.series)}


def _max_by_key(readings) -> dict:
    peaks: dict = {}
    for reading in readings:
        for key, value in reading.items():
            peaks[key] = max(value, peaks.get(key, value))
    return dict(sorted(peaks.items()))
