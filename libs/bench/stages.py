"""What the in-process run records per answer: milliseconds in each stage (summed over a retry), the whole, how
it ended. The stage functions themselves are passed in by `scripts/bench.py` (libs never import services)."""

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

STAGES = ("guardrail_in", "retrieve", "generate", "guardrail_out")


@dataclass
class Timed:
    stage_ms: dict[str, float] = field(default_factory=lambda: dict.fromkeys(STAGES, 0.0))
    total_ms: float = 0.0
    attempts: int = 0
    status: str = ""
    model: str = ""

    def call(self, stage: str, function: Callable, *args):
        started = time.perf_counter()
        try:
            return function(*args)
        finally:
            self.stage_ms[stage] += (time.perf_counter() - started) * 1000

    async def wait(self, stage: str, awaitable: Awaitable):
        started = time.perf_counter()
        try:
            return await awaitable
        finally:
            self.stage_ms[stage] += (time.perf_counter() - started) * 1000


@dataclass(frozen=True)
class StageCalls:
    """How a worker process builds the stages and answers one question; top-level functions, so they pickle."""

    load: Callable[[str], object]  # Chroma URL -> the loaded scanners and retriever
    deps: Callable[[str | None], object]  # fake model URL, or None for the offline generator -> generate's deps
    answer: Callable[..., Awaitable[Timed]]  # (stages, deps, tenant, question) -> Timed
