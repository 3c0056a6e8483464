"""Pipeline timings through a running local stack: sequential latency, then throughput and CPU at saturation."""

import asyncio
import time

from libs.bench.procstats import total_cpu_s
from libs.client.rag_client import RagClient
from libs.evaluation.cases import load_cases
from libs.evaluation.metrics import percentile


def bench_questions() -> list[tuple[str, str]]:
    return [(c.tenant, c.question) for c in load_cases() if c.category == "factual"]


async def sequential_latency(bootstrap: str, count: int) -> dict:
    questions = bench_questions()
    timings, stages = [], {}
    async with RagClient(bootstrap) as rag:
        for n in range(count):
            tenant, question = questions[n % len(questions)]
            started = time.perf_counter()
            answer = await rag.ask(question, tenant, timeout_s=60)
            timings.append((time.perf_counter() - started) * 1000)
            for stage, ms in answer.stage_ms.items():
                stages.setdefault(stage, []).append(ms)
    return {"p50_ms": percentile(timings, 50), "p99_ms": percentile(timings, 99),
            "stage_p50_ms": {stage: percentile(values, 50) for stage, values in stages.items()}}


async def saturation(bootstrap: str, count: int, pids: dict[str, int]) -> dict:
    """Send `count` questions at once; answers/s and CPU-seconds per answer across every stack process."""
    questions = bench_questions()
    async with RagClient(bootstrap) as rag:
        cpu_before, started = total_cpu_s(pids), time.perf_counter()
        sent = [await rag.send_question(q, t, timeout_s=300) for t, q in (questions[n % len(questions)] for n in range(count))]
        answered = await _collect(rag, len(sent))
        elapsed, cpu = time.perf_counter() - started, total_cpu_s(pids) - cpu_before
    return {"requests": count, "answered": answered, "seconds": round(elapsed, 2),
            "answers_per_s": round(answered / elapsed, 1), "cpu_s_per_answer": round(cpu / max(answered, 1), 4)}


async def _collect(rag: RagClient, expected: int, timeout_s: float = 300) -> int:
    received = 0

    async def count() -> None:
        nonlocal received
        async for _ in rag.answers():
            received += 1
            if received == expected:
                return

    try:
        await asyncio.wait_for(count(), timeout_s)
    except TimeoutError:
        pass
    return received
