"""`make chaos`: a stream of questions while each service in turn is SIGKILLed and restarted.

Reports requests sent, answered, lost, delivered twice to the client, failed explicitly, and the p99
delay the crashes caused. Numbers only: the suite prints what survived.
"""

import argparse
import asyncio
import json
import time
from collections import Counter
from pathlib import Path

from rich.console import Console
from rich.table import Table

from libs.bench.pipeline import bench_questions
from libs.client.rag_client import RagClient
from libs.devstack.stack import SERVICES, LocalStack, StackConfig
from libs.evaluation.metrics import percentile
from libs.evaluation.runner import CORPUS, ingest_corpus

console = Console()


async def stream(rag: RagClient, count: int, interval_s: float, sent: dict[str, float]) -> None:
    questions = bench_questions()
    for n in range(count):
        tenant, question = questions[n % len(questions)]
        request_id = await rag.send_question(question, tenant, timeout_s=120)
        sent[request_id] = time.perf_counter()
        await asyncio.sleep(interval_s)


async def crash_each(stack: LocalStack, pause_s: float) -> list[str]:
    killed = []
    for name in SERVICES:
        await asyncio.sleep(pause_s)
        stack.services[name].kill()
        killed.append(name)
        await asyncio.to_thread(stack.restart_service, name)
    return killed


async def receive(rag: RagClient, seen: dict[str, list], stop: asyncio.Event) -> None:
    async for answer in rag.answers():
        seen.setdefault(answer.request_id, []).append((time.perf_counter(), answer.status.value))
        if stop.is_set():
            return


async def run(stack: LocalStack, count: int, interval_s: float, settle_s: float) -> dict:
    sent, seen, stop = {}, {}, asyncio.Event()
    async with RagClient(stack.config.bootstrap_servers) as rag:
        await ingest_corpus(rag, CORPUS)
        receiver = asyncio.create_task(receive(rag, seen, stop))
        killed, _ = await asyncio.gather(crash_each(stack, count * interval_s / (len(SERVICES) + 1)),
                                         stream(rag, count, interval_s, sent))
        deadline = time.monotonic() + settle_s
        while len(seen) < len(sent) and time.monotonic() < deadline:
            await asyncio.sleep(0.5)
        stop.set()
        receiver.cancel()
        duplicates_on_the_wire = rag.duplicates_dropped
    delays = [(seen[r][0][0] - t) * 1000 for r, t in sent.items() if r in seen]
    return {
        "sent": len(sent), "answered": sum(1 for r in sent if r in seen and seen[r][0][1] == "ok"),
        "explicitly_failed": sum(1 for r in sent if r in seen and seen[r][0][1] != "ok"),
        "by_status": dict(Counter(seen[r][0][1] for r in sent if r in seen)),
        "lost": sum(1 for r in sent if r not in seen), "delivered_twice": sum(1 for v in seen.values() if len(v) > 1),
        "duplicates_dropped_by_client": duplicates_on_the_wire,
        "killed": killed, "p50_ms": percentile(delays, 50), "p99_ms": percentile(delays, 99),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--interval", type=float, default=0.05, help="Seconds between questions.")
    parser.add_argument("--settle", type=float, default=120.0, help="Seconds to wait for the last answers.")
    parser.add_argument("--port-base", type=int, default=19600)
    parser.add_argument("--out", type=Path, default=Path("reports/chaos/chaos.json"))
    args = parser.parse_args()
    stack = LocalStack(StackConfig.at(Path("/tmp/ragbus-chaos"), args.port_base))
    stack.up(progress=lambda message: console.print(f"[dim]{message}[/]"))
    try:
        result = asyncio.run(run(stack, args.requests, args.interval, args.settle))
    finally:
        stack.down()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    table = Table(title="ragbus chaos: every service SIGKILLed and restarted once during the stream")
    for key in ("sent", "answered", "explicitly_failed", "by_status", "lost", "delivered_twice",
                "duplicates_dropped_by_client", "p50_ms", "p99_ms", "killed"):
        table.add_row(key, str(result[key]))
    console.print(table)


if __name__ == "__main__":
    main()
