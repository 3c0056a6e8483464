"""`make faults`: questions stream through the stack while the model API fails a share of calls the whole run.

generate is restarted against the fake Messages API (`libs/testing/fake_anthropic.py`) with mixed faults
(429 + retry-after, 529, 500, slow, malformed, hangs), after an outage of the primary model's first calls
that must open its breaker; every request must get a final answer before its deadline. Breaker state changes are read from generate's /metrics (sampled) and its log (every change).
"""

import asyncio
import time
from dataclasses import asdict, dataclass

from libs.bench.pipeline import bench_questions
from libs.chaos.observe import BreakerWatch, logged_breaker_changes
from libs.client.rag_client import RagClient
from libs.contracts.questions import AnswerCompleted
from libs.devstack.stack import LocalStack
from libs.evaluation.metrics import percentile
from libs.testing.fake_anthropic import FakeAnthropic
from libs.testing.fake_faults import Fault, mixed_faults
from libs.testing.generation import PRIMARY


@dataclass(frozen=True)
class FaultRun:
    requests: int = 200
    fault_rate: float = 0.3
    deadline_s: float = 30.0
    interval_s: float = 0.2
    settle_s: float = 10.0
    attempt_timeout_s: float = 2.0
    breaker_fail_max: int = 3
    breaker_reset_s: float = 2.0
    hangs: bool = True
    outage_calls: int = 8  # the primary model's first calls all fail (529): its breaker must open, then close
    seed: int = 7


def generate_env(base_url: str, run: FaultRun) -> dict[str, str]:
    """generate against the fake API; the cache off so every request calls the model."""
    return {
        "ANTHROPIC_API_KEY": "chaos-key", "ANTHROPIC_BASE_URL": base_url, "ANTHROPIC_MODEL": PRIMARY, "CACHE_STORE": "memory", "CACHE_MAX_ENTRIES": "0",
        "ANTHROPIC_TIMEOUT_S": str(run.attempt_timeout_s), "RETRY_INITIAL_BACKOFF_S": "0.05",
        "BREAKER_FAIL_MAX": str(run.breaker_fail_max), "BREAKER_RESET_TIMEOUT_S": str(run.breaker_reset_s),
    }


async def run_faults(stack: LocalStack, run: FaultRun, questions: list[tuple[str, str]] | None = None) -> dict:
    """Restart generate against a faulty fake API, stream (tenant, question)s, restore generate; the figures."""
    with FakeAnthropic(seed=run.seed) as fake:
        for fault in faults(run, PRIMARY):
            fake.inject(fault)
        log_file = stack.services["generate"].log_file
        await asyncio.to_thread(stack.restart_service, "generate", generate_env(fake.base_url, run))
        log_from = log_file.stat().st_size
        try:
            watch = BreakerWatch(f"http://127.0.0.1:{stack.config.health_ports['generate']}/metrics")
            sent, received, duplicates = await _stream_watched(stack, run, watch, questions or bench_questions())
        finally:
            await asyncio.to_thread(stack.restart_service, "generate")
        calls = fake.stats()
    return summarise(run, sent, received, duplicates, calls, watch, logged_breaker_changes(log_file, log_from))


def faults(run: FaultRun, primary: str) -> list[Fault]:
    outage = [Fault(kind="overloaded", count=run.outage_calls, model=primary)] if run.outage_calls else []
    return outage + mixed_faults(run.fault_rate, retry_after_s=0.2, delay_s=0.5, hangs=run.hangs)


async def _stream_watched(stack: LocalStack, run: FaultRun, watch: BreakerWatch, questions: list) -> tuple[dict, dict, int]:
    stop = asyncio.Event()
    watcher = asyncio.create_task(watch.run(stop))
    try:
        return await stream(stack.config.bootstrap_servers, run, questions)
    finally:
        stop.set()
        await watcher


async def stream(bootstrap: str, run: FaultRun, questions: list[tuple[str, str]]) -> tuple[dict, dict, int]:
    """Send the questions at a steady pace; wait for the answers until the last deadline (+ settle)."""
    sent: dict[str, tuple[float, float]] = {}  # request id -> (sent at, deadline), epoch seconds
    received: dict[str, tuple[float, AnswerCompleted]] = {}
    async with RagClient(bootstrap) as rag:
        receiver = asyncio.create_task(_receive(rag, received))
        for n in range(run.requests):
            tenant, question = questions[n % len(questions)]
            started = time.time()
            request_id = await rag.send_question(question, tenant, timeout_s=run.deadline_s)
            sent[request_id] = (started, started + run.deadline_s)
            await asyncio.sleep(run.interval_s)
        give_up = time.time() + run.deadline_s + run.settle_s
        while not sent.keys() <= received.keys() and time.time() < give_up:
            await asyncio.sleep(0.2)
        receiver.cancel()
        return sent, received, rag.duplicates_dropped


async def _receive(rag: RagClient, received: dict) -> None:
    async for answer in rag.answers():
        received.setdefault(answer.request_id, (time.time(), answer))


def summarise(run: FaultRun, sent: dict, received: dict, duplicates: int, calls: dict, watch: BreakerWatch,
              logged: list[dict]) -> dict:
    mine = {rid: received[rid] for rid in sent if rid in received}
    answers = [answer for _, answer in mine.values()]
    latencies = [(at - sent[rid][0]) * 1000 for rid, (at, _) in mine.items()]
    rungs: dict[str, int] = {}
    for answer in answers:
        if answer.status == "ok":
            rung = answer.generation.rung if answer.generation else "none"
            rungs[rung] = rungs.get(rung, 0) + 1
    return {
        "settings": asdict(run),
        "sent": len(sent), "final_answers": len(mine), "lost": len(sent) - len(mine),
        "ok_by_rung": rungs, "by_status": _count(a.status.value for a in answers),
        "not_ok_reasons": _count(f"{a.status.value}:{a.reason}" for a in answers if a.status != "ok"),
        "past_deadline": sum(1 for rid, (at, _) in mine.items() if at > sent[rid][1]),
        "duplicates_dropped_by_client": duplicates,
        "stage_times": stage_times(answers),
        "latency_ms": {"p50": percentile(latencies, 50), "p99": percentile(latencies, 99),
                       "max": round(max(latencies, default=0.0), 1)},
        "breaker_changes_logged": logged, "breaker_changes_scraped": watch.changes, "metric_scrapes": watch.samples,
        "fake_api_calls": calls,
    }


def stage_times(answers: list[AnswerCompleted]) -> dict[str, dict[str, float | None]]:
    """Per stage: p50, p99 and the total busy time (a stage handles one message at a time)."""
    stages: dict[str, list[float]] = {}
    for answer in answers:
        for stage, ms in answer.stage_ms.items():
            stages.setdefault(stage, []).append(ms)
    return {stage: {"p50_ms": percentile(v, 50), "p99_ms": percentile(v, 99), "total_s": round(sum(v) / 1000, 1)}
            for stage, v in stages.items()}


def _count(values) -> dict[str, int]:
    counts: dict[str, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return dict(sorted(counts.items()))
