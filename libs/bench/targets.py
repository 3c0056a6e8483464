"""The issue's targets next to the measured figures: each ratio, its limit, met or missed.

A missing figure (a part of the run that was skipped or failed) is reported as not measured, never as met.
"""

from dataclasses import asdict, dataclass

RAW_HOP, RAGBUS_HOP, RAW_CHAIN = "raw relay hop", "ragbus stage hop", "raw chain"
STACK_LIMIT_MB = 3072


@dataclass(frozen=True)
class Target:
    name: str
    measured: float | None
    limit: float
    at_most: bool = True  # False: the measured figure must be at least the limit

    @property
    def verdict(self) -> str:
        if self.measured is None:
            return "not measured"
        met = self.measured <= self.limit if self.at_most else self.measured >= self.limit
        return "met" if met else "missed"

    def row(self) -> dict:
        """As written to the JSON: the verdict comes from the unrounded figure (1.104 misses ≤ 1.10)."""
        shown = None if self.measured is None else round(self.measured, 3)
        return {**asdict(self), "measured": shown, "verdict": self.verdict}


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def targets(result: dict) -> list[Target]:
    hops = result.get("hops", {})
    raw, ragbus, chain = hops.get(RAW_HOP, {}), hops.get(RAGBUS_HOP, {}), hops.get(RAW_CHAIN, {})
    fake = result.get("pipeline_fake_model", {}).get("single_pass", {})
    pipeline_rate = result.get("saturation", {}).get("answers_per_s")
    in_process_rate = result.get("in_process", {}).get("ceiling", {}).get("answers_per_s")
    return [
        Target("ragbus hop ÷ raw hop, p50", ratio(ragbus.get("p50_ms"), raw.get("p50_ms")), 1.10),
        Target("ragbus hop ÷ raw hop, p99", ratio(ragbus.get("p99_ms"), raw.get("p99_ms")), 1.25),
        Target("pipeline (fake model) ÷ raw chain, p50", ratio(fake.get("p50_ms"), chain.get("p50_ms")), 1.25),
        Target("pipeline throughput ÷ in-process stages' best", ratio(pipeline_rate, in_process_rate), 0.8, at_most=False),
        Target("whole stack peak RSS under load, MB", stack_peak_mb(result.get("memory_after_load")), STACK_LIMIT_MB),
    ]


def stack_peak_mb(memory: dict | None) -> float | None:
    if not memory:
        return None
    return sum(process["peak_rss_mb"] for process in memory.values())
