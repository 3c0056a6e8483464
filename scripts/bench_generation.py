"""Latency and cost per answer of each ladder rung, through the generate service's functions and the real
`anthropic` SDK against the fake server at zero delay (in this process, on loopback). Prints numbers only.

    .venv/bin/python scripts/bench_generation.py --calls 300
"""

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from libs.testing.fake_anthropic import FakeAnthropic  # noqa: E402
from libs.testing.fake_faults import Fault, mixed_faults  # noqa: E402
from libs.testing.generation import PRIMARY, SECONDARY, context_for, model_settings  # noqa: E402
from services.generate import service  # noqa: E402
from services.generate.settings import GenerateSettings  # noqa: E402
from services.generate.wiring import build_deps  # noqa: E402

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


async def main(calls: int) -> None:
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
    report("no API key (default)", await run(build_deps(GenerateSettings(anthropic_api_key=None)), calls))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=300, help="requests per scenario")
    asyncio.run(main(parser.parse_args().calls))
