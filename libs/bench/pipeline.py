"""Pipeline timings through a running local stack: sequential latency, then throughput and CPU at saturation."""

import asyncio
import time

from libs.bench.figures import attempts_of, latency_summary
from libs.bench.memory import stack_memory
from libs.bench.model_server import generate_env
from libs.bench.procstats import total_cpu_s
from libs.client.rag_client import RagClient
from libs.devstack.stack import LocalStack
from libs.evaluation.cases import load_cases
from libs.evaluation.runner import CORPUS, ingest_corpus


def bench_questions() -> list[tuple[str, str]]:
    return [(c.tenant, c.question) for c in load_cases() if c.category == "factual"]


async def sequential_latency(bootstrap: str, count: int, warmup: int = 5) -> dict:
    """`count` questions one at a time (after `warmup` untimed ones): p50/p99 from send to answer, per stage."""
    questions = bench_questions()
    timings, answers, window_start = [], [], time.time_ns()
    async with RagClient(bootstrap) as rag:
        for n in range(warmup + count):
            tenant, question = questions[n % len(questions)]
            started = time.perf_counter()
            answer = await rag.ask(question, tenant, timeout_s=60)
            if n >= warmup:
                timings.append((time.perf_counter() - started) * 1000)
                answers.append(answer)
    stages = [{k: v for k, v in a.stage_ms.items() if not k.startswith("attempt_")} for a in answers]
    summary = latency_summary(timings, stages, [attempts_of(a.stage_ms) for a in answers],
                              [a.status.value for a in answers], [a.model for a in answers])
    return {**summary, "window_ns": [window_start, time.time_ns()]}


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


async def pipeline_benchmarks(stack: LocalStack, count: int, saturation_count: int) -> dict:
    bootstrap = stack.config.bootstrap_servers
    async with RagClient(bootstrap) as rag:
        await ingest_corpus(rag, CORPUS)
    idle = await stack_memory(stack)
    latency = await sequential_latency(bootstrap, count)
    pids = {name: p.pid for name, p in {"broker": stack.broker, "chroma": stack.chroma, **stack.services}.items()}
    loaded = await saturation(bootstrap, saturation_count, pids)
    return {"pipeline": latency, "saturation": loaded, "memory_idle": idle, "memory_after_load": await stack_memory(stack)}


async def fake_model_pipeline(stack: LocalStack, base_url: str, count: int) -> dict:
    """generate restarted against the fake model server (the last part of the run: its memory was read before)."""
    await asyncio.to_thread(stack.restart_service, "generate", generate_env(base_url))
    return {"pipeline_fake_model": await sequential_latency(stack.config.bootstrap_servers, count)}
