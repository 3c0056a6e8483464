"""The stage functions' own latency and throughput, measured in spawned worker processes (as clean as a service's).

One worker answers the questions one at a time (per-stage p50/p99, CPU per answer including Chroma's); then
every worker answers at once, one per core, for the throughput the stage functions allow on this machine.
"""

import asyncio
import multiprocessing
import os
import time

from libs.bench.figures import ceiling, latency_summary
from libs.bench.procstats import process_stats
from libs.bench.stages import StageCalls

_calls: StageCalls | None = None  # set once per worker process
_stages: object = None


def _load(calls: StageCalls, chroma_url: str) -> None:
    global _calls, _stages
    _calls, _stages = calls, calls.load(chroma_url)


def _await_all(barrier) -> None:
    barrier.wait(timeout=300)


def _answers(questions: list[tuple[str, str]], model_base_url: str | None, count: int, warmup: int,
             chroma_pid: int | None = None) -> tuple[list, float]:
    """`count` answers after `warmup` untimed ones, and the CPU-seconds they took here and in Chroma."""
    async def run() -> tuple[list, float]:
        deps = _calls.deps(model_base_url)
        for n in range(warmup):
            await _calls.answer(_stages, deps, *questions[n % len(questions)])
        cpu = time.process_time() + _cpu_of(chroma_pid)
        timed = [await _calls.answer(_stages, deps, *questions[n % len(questions)]) for n in range(count)]
        return timed, time.process_time() + _cpu_of(chroma_pid) - cpu

    return asyncio.run(run())


def latency_job(questions: list[tuple[str, str]], model_base_url: str | None, count: int, chroma_pid: int | None,
                warmup: int = 5) -> dict:
    timed, cpu = _answers(questions, model_base_url, count, warmup, chroma_pid)
    summary = latency_summary([t.total_ms for t in timed], [t.stage_ms for t in timed], [t.attempts for t in timed],
                              [t.status for t in timed], [t.model for t in timed])
    mean_ms = sum(t.total_ms for t in timed) / count
    return {**summary, "cpu_s_per_answer": round(cpu / count, 4), "answers_per_s": round(1000 / mean_ms, 1)}


def throughput_job(questions: list[tuple[str, str]], count: int, barrier) -> dict:
    barrier.wait(timeout=300)
    started = time.perf_counter()
    timed, cpu = _answers(questions, None, count, warmup=0)
    return {"answered": len(timed), "started": started, "ended": time.perf_counter(), "cpu_s": cpu}


def in_process_benchmarks(calls: StageCalls, chroma_url: str, chroma_pid: int | None, questions: list[tuple[str, str]],
                          count: int, model_base_url: str | None, per_worker: int, workers: int = os.cpu_count() or 1) -> dict:
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager, context.Pool(workers, initializer=_load, initargs=(calls, chroma_url)) as pool:
        pool.map(_await_all, [manager.Barrier(workers)] * workers, chunksize=1)  # every worker loaded
        result = {"offline": pool.apply(latency_job, (questions, None, count, chroma_pid))}
        if model_base_url:
            result["fake_model"] = pool.apply(latency_job, (questions, model_base_url, count, chroma_pid))
        barrier, chroma_before = manager.Barrier(workers), _cpu_of(chroma_pid)
        runs = pool.starmap(throughput_job, [(questions, per_worker, barrier)] * workers, chunksize=1)
        chroma_cpu = _cpu_of(chroma_pid) - chroma_before
    elapsed = max(r["ended"] for r in runs) - min(r["started"] for r in runs)
    answered = sum(r["answered"] for r in runs)
    result["throughput"] = {"workers": workers, "answered": answered, "seconds": round(elapsed, 2),
                            "answers_per_s": round(answered / elapsed, 1),
                            "cpu_s_per_answer": round((sum(r["cpu_s"] for r in runs) + chroma_cpu) / answered, 4)}
    result["ceiling"] = ceiling(result["offline"], result["throughput"])
    return result


def _cpu_of(pid: int | None) -> float:
    stats = process_stats(pid) if pid else None
    return stats.cpu_s if stats else 0.0
