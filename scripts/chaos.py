"""`make chaos`: a stream of questions while each service in turn is SIGKILLed and restarted.

The same stream runs twice on one stack: first without kills (the baseline), then with every service
SIGKILLed and restarted once while it flows. Reports, per phase, requests sent, answered, lost, delivered
twice to the client, failed explicitly and past their deadline, and the p50/p99 delay the crashes caused
(crash phase minus baseline). Numbers only: the suite prints what survived.
"""

import argparse
import asyncio
import json
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from libs.bench.pipeline import bench_questions
from libs.chaos.crashes import Seen, Sent, cost_of_crashes, phase_figures
from libs.client.rag_client import RagClient
from libs.devstack.stack import SERVICES, LocalStack, StackConfig
from libs.evaluation.runner import CORPUS, ingest_corpus

console = Console()
ROWS = ("sent", "answered", "explicitly_failed", "by_status", "lost", "delivered_twice", "deadline_missed",
        "p50_ms", "p99_ms")


async def stream(rag: RagClient, count: int, interval_s: float, deadline_s: float, sent: Sent) -> None:
    questions = bench_questions()
    for n in range(count):
        tenant, question = questions[n % len(questions)]
        request_id = await rag.send_question(question, tenant, timeout_s=deadline_s)
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


async def receive(rag: RagClient, seen: Seen) -> None:
    async for answer in rag.answers():
        seen.setdefault(answer.request_id, []).append((time.perf_counter(), answer.status.value))


async def settle(sent: Sent, seen: Seen, settle_s: float) -> None:
    deadline = time.monotonic() + settle_s
    while any(request not in seen for request in sent) and time.monotonic() < deadline:
        await asyncio.sleep(0.5)


async def phase(rag: RagClient, seen: Seen, args, crash: LocalStack | None) -> tuple[dict, list[str]]:
    sent: Sent = {}
    flow = stream(rag, args.requests, args.interval, args.deadline, sent)
    if crash is None:
        await flow
        killed = []
    else:
        killed, _ = await asyncio.gather(crash_each(crash, args.requests * args.interval / (len(SERVICES) + 1)), flow)
    await settle(sent, seen, args.settle)
    return phase_figures(sent, seen, args.deadline), killed


async def run(stack: LocalStack, args) -> dict:
    seen: Seen = {}
    async with RagClient(stack.config.bootstrap_servers) as rag:
        await ingest_corpus(rag, CORPUS)
        receiver = asyncio.create_task(receive(rag, seen))
        baseline, _ = await phase(rag, seen, args, crash=None)
        crashes, killed = await phase(rag, seen, args, crash=stack)
        receiver.cancel()
        duplicates_on_the_wire = rag.duplicates_dropped
    return {"baseline": baseline, "crashes": crashes, "killed": killed, **cost_of_crashes(baseline, crashes),
            "duplicates_dropped_by_client": duplicates_on_the_wire}


def print_table(result: dict) -> None:
    table = Table(title="ragbus chaos: the same stream without kills, then with every service SIGKILLed and restarted once")
    table.add_column("figure")
    table.add_column("no kills")
    table.add_column("kills")
    for key in ROWS:
        table.add_row(key, str(result["baseline"][key]), str(result["crashes"][key]))
    for key in ("p50_delay_caused_ms", "p99_delay_caused_ms", "deadline_misses_caused", "duplicates_dropped_by_client",
                "killed"):
        table.add_row(key, "", str(result[key]))
    console.print(table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=500, help="Questions per phase.")
    parser.add_argument("--interval", type=float, default=0.05, help="Seconds between questions.")
    parser.add_argument("--deadline", type=float, default=30.0, help="Each question's deadline, seconds.")
    parser.add_argument("--settle", type=float, default=120.0, help="Seconds to wait for a phase's last answers.")
    parser.add_argument("--consumer-workers", type=int, default=None,
                        help="CONSUMER_WORKERS for the services that read it (generate, retrieve); default: theirs.")
    parser.add_argument("--port-base", type=int, default=19600)
    parser.add_argument("--out", type=Path, default=Path("reports/chaos/chaos.json"))
    args = parser.parse_args()
    workers = {} if args.consumer_workers is None else {"CONSUMER_WORKERS": str(args.consumer_workers)}
    stack = LocalStack(StackConfig.at(Path("/tmp/ragbus-chaos"), args.port_base, extra_env=workers))
    try:
        stack.up(progress=lambda message: console.print(f"[dim]{message}[/]"))
        result = asyncio.run(run(stack, args))
    finally:
        stack.down()
    result["settings"] = {key: getattr(args, key) for key in ("requests", "interval", "deadline", "settle", "consumer_workers")}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    print_table(result)


if __name__ == "__main__":
    main()
