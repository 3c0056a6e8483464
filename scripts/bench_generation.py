"""Latency and cost per answer of each ladder rung, through the generate service's functions and the real
`anthropic` SDK against the fake server at zero delay (in this process, on loopback); then cost per answer and
cache hit rate for repeated traffic (each of --questions questions asked --requests/--questions times, shuffled)
without a cache, with the in-process one, with the PostgreSQL one (DATABASE_URL, skipped when unreachable) and
with a 10% variant split. Prints numbers only.

    .venv/bin/python scripts/bench_generation.py --calls 300 --requests 200 --questions 40
"""

import argparse
import asyncio
import os
import random
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from libs.testing.fake_anthropic import FakeAnthropic  # noqa: E402
from libs.testing.fake_faults import Fault, mixed_faults  # noqa: E402
from libs.testing.generation import PRIMARY, SECONDARY, context_for, model_settings  # noqa: E402
from services.generate import service  # noqa: E402
from services.generate.settings import GenerateSettings  # noqa: E402
from services.generate.wiring import attach_database, build_deps  # noqa: E402

QUESTIONS = ("What is the hotel cap per night?", "How much does the RW-200 reaction wheel weigh?",
             "How long is parental leave?")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def run(deps, calls: int, repeat_question: bool = False) -> list[tuple[float, service.Generated]]:
    results = []
    for n in range(calls):
        question = QUESTIONS[n % 3] + ("" if repeat_question else f" (case {n})")
        started = time.perf_counter()
        generated = await service.generate(context_for(question), deps)
        results.append(((time.perf_counter() - started) * 1000, generated))
    return results


def report(label: str, results: list[tuple[float, service.Generated]]) -> None:
    by_rung: dict[str, list] = {}
    for elapsed, generated in results:
        by_rung.setdefault(generated.info.rung + (" (cache hit)" if generated.info.cache_hit else ""), []).append(
            (elapsed, generated.draft.cost_usd))
    for rung, rows in sorted(by_rung.items()):
        latencies = [ms for ms, _ in rows]
        cost = statistics.fmean(c for _, c in rows)
        print(f"{label:<28} {rung:<22} n={len(rows):<4} p50={percentile(latencies, 0.5):8.2f} ms "
              f"p99={percentile(latencies, 0.99):8.2f} ms  cost/answer=${cost:.6f}")


def model_deps(fake: FakeAnthropic, **overrides):
    return build_deps(GenerateSettings(**model_settings(fake.base_url, cache_max_entries=0, **overrides)))


def workload(requests: int, distinct: int, seed: int = 7) -> list[str]:
    questions = [f"{QUESTIONS[n % 3]} (ticket {n})" for n in range(distinct)]
    asked = [questions[n % distinct] for n in range(requests)]
    random.Random(seed).shuffle(asked)
    return asked


async def repeated(deps, asked: list[str], tenant: str) -> list[tuple[float, service.Generated]]:
    results = []
    for question in asked:
        context = service.assign_variant(context_for(question, tenant=tenant), deps.split)
        started = time.perf_counter()
        generated = await service.generate(context, deps)
        results.append(((time.perf_counter() - started) * 1000, generated))
    return results


def report_traffic(label: str, results: list[tuple[float, service.Generated]]) -> None:
    hits = [ms for ms, g in results if g.info.cache_hit]
    misses = [ms for ms, g in results if not g.info.cache_hit]
    cost = statistics.fmean(g.draft.cost_usd for _, g in results)
    hit_p50 = f"{percentile(hits, 0.5):7.2f} ms" if hits else "      –   "
    print(f"{label:<34} n={len(results):<4} cache hits {len(hits) / len(results):6.1%}  cost/answer=${cost:.6f}  "
          f"p50 hit {hit_p50}  p50 miss {percentile(misses, 0.5) if misses else 0:7.2f} ms")


async def traffic(fake: FakeAnthropic, requests: int, distinct: int) -> None:
    asked = workload(requests, distinct)
    print(f"repeated traffic: {requests} requests over {distinct} distinct questions")
    report_traffic("no cache", await repeated(model_deps(fake), asked, "bench"))
    memory = build_deps(GenerateSettings(**model_settings(fake.base_url)))
    report_traffic("in-process cache", await repeated(memory, asked, "bench"))
    split = build_deps(GenerateSettings(**model_settings(fake.base_url, prompt_variant_split="concise=10")))
    report_traffic("in-process cache, concise=10 split", await repeated(split, asked, "bench"))
    await postgres_traffic(fake, asked)


async def postgres_traffic(fake: FakeAnthropic, asked: list[str]) -> None:
    from libs.stores.postgres import open_pool

    dsn = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
    try:
        pool = await asyncio.wait_for(open_pool(dsn), 10)
    except Exception as error:
        print(f"{'postgres cache':<34} skipped: {error!r}"[:160])
        return
    tenant = f"bench-{uuid.uuid4().hex[:8]}"
    try:
        settings = GenerateSettings(**model_settings(fake.base_url, cache_store="postgres"))
        deps = build_deps(settings)
        attach_database(deps, pool, settings)
        deps.ledger = None  # the bench's spend stays out of the ledger
        report_traffic("postgres cache", await repeated(deps, asked, tenant))
    finally:
        await pool.execute("DELETE FROM response_cache WHERE tenant = $1", tenant)
        await pool.close()


async def main(calls: int, requests: int, distinct: int) -> None:
    with FakeAnthropic() as fake:
        await run(model_deps(fake), 20)  # warm up connections and imports
        report("healthy API", await run(model_deps(fake), calls))
        fake.inject(Fault(kind="overloaded", rate=1.0, model=PRIMARY))
        report("primary down (breaker open)", await run(model_deps(fake, breaker_reset_timeout_s=3600), calls))
        fake.inject(Fault(kind="overloaded", rate=1.0, model=SECONDARY))
        report("both models down", await run(model_deps(fake, breaker_reset_timeout_s=3600), calls))
        fake.clear_faults()
        cached = build_deps(GenerateSettings(**model_settings(fake.base_url)))
        report("repeated questions", await run(cached, calls, repeat_question=True))
        for fault in mixed_faults(0.3, retry_after_s=0.05, delay_s=0.05):
            fake.inject(fault)
        defaults = GenerateSettings()  # the production breaker, not the tests' quick one
        mixed = model_deps(fake, retry_initial_backoff_s=0.02, breaker_fail_max=defaults.breaker_fail_max,
                           breaker_reset_timeout_s=defaults.breaker_reset_timeout_s)
        report("30% mixed faults", await run(mixed, calls))
        fake.clear_faults()
        await traffic(fake, requests, distinct)
    report("no API key (default)", await run(build_deps(GenerateSettings(anthropic_api_key=None)), calls))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=300, help="requests per scenario")
    parser.add_argument("--requests", type=int, default=200, help="requests of the repeated-traffic workload")
    parser.add_argument("--questions", type=int, default=40, help="distinct questions among them")
    args = parser.parse_args()
    asyncio.run(main(args.calls, args.requests, args.questions))
