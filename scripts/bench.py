"""`make bench`: what ragbus adds on top of the broker, measured side by side in one run.

Prints one table and writes reports/bench/bench.json. Numbers only; nothing here asserts.
"""

import argparse
import asyncio
import json
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

from libs.bench.hops import round_trips
from libs.bench.index_scale import index_scale
from libs.bench.pipeline import saturation, sequential_latency
from libs.bench.procstats import process_stats
from libs.client.rag_client import RagClient
from libs.devstack.processes import ManagedProcess
from libs.devstack.stack import LocalStack, StackConfig
from libs.evaluation.metrics import percentile
from libs.evaluation.runner import CORPUS, ingest_corpus
from libs.platform.topics_admin import ensure_topics

CHAIN_HOPS = 5  # asked → screened → retrieved → drafted → completed → reply, as in the pipeline
console = Console()


def relay(mode: str, source: str, target: str, bootstrap: str, run_dir: Path) -> ManagedProcess:
    command = [sys.executable, "scripts/bench_relay.py", mode, source, target, "--bootstrap", bootstrap,
               "--group", f"bench-{mode}-{source}"]
    process = ManagedProcess(f"relay-{mode}-{source}", command, run_dir)
    process.start()
    return process


async def timed(bootstrap: str, send: str, receive: str, count: int) -> dict:
    values = await round_trips(bootstrap, send, receive, count)
    return {"p50_ms": percentile(values, 50), "p99_ms": percentile(values, 99), "n": len(values)}


async def hop_benchmarks(bootstrap: str, run_dir: Path, count: int) -> dict:
    chain = [f"bench.chain-{n}" for n in range(CHAIN_HOPS + 1)]
    await ensure_topics(bootstrap, ["bench.direct", "bench.raw-in", "bench.raw-out", "bench.rb-in", "bench.rb-out", *chain], 1)
    results = {"direct produce→consume": await timed(bootstrap, "bench.direct", "bench.direct", count)}
    relays = [relay("raw", "bench.raw-in", "bench.raw-out", bootstrap, run_dir),
              relay("ragbus", "bench.rb-in", "bench.rb-out", bootstrap, run_dir)]
    relays += [relay("raw", chain[n], chain[n + 1], bootstrap, run_dir) for n in range(CHAIN_HOPS)]
    try:
        results["raw relay hop"] = await timed(bootstrap, "bench.raw-in", "bench.raw-out", count)
        results["ragbus stage hop"] = await timed(bootstrap, "bench.rb-in", "bench.rb-out", count)
        results[f"raw chain of {CHAIN_HOPS} relays"] = await timed(bootstrap, chain[0], chain[-1], max(count // 5, 50))
    finally:
        for process in relays:
            process.stop()
    return results


def memory(stack: LocalStack) -> dict:
    processes = {"broker": stack.broker, "chroma": stack.chroma, **stack.services}
    stats = {name: process_stats(p.pid) for name, p in processes.items() if p.pid}
    return {name: {"rss_mb": round(s.rss_mb, 1), "peak_rss_mb": round(s.peak_rss_mb, 1)} for name, s in stats.items() if s}


async def pipeline_benchmarks(stack: LocalStack, count: int, saturation_count: int) -> dict:
    bootstrap = stack.config.bootstrap_servers
    async with RagClient(bootstrap) as rag:
        await ingest_corpus(rag, CORPUS)
    idle = memory(stack)
    latency = await sequential_latency(bootstrap, count)
    pids = {name: p.pid for name, p in {"broker": stack.broker, "chroma": stack.chroma, **stack.services}.items()}
    loaded = await saturation(bootstrap, saturation_count, pids)
    return {"pipeline": latency, "saturation": loaded, "memory_idle": idle, "memory_after_load": memory(stack)}


def print_table(result: dict) -> None:
    table = Table(title="ragbus bench (same broker, same consumer settings)")
    for column in ("measurement", "p50 ms", "p99 ms", "note"):
        table.add_column(column)
    hops = result["hops"]
    for name, values in hops.items():
        table.add_row(name, f"{values['p50_ms']:.2f}", f"{values['p99_ms']:.2f}", f"n={values['n']}")
    ratio = hops["ragbus stage hop"]["p50_ms"] / hops["raw relay hop"]["p50_ms"]
    table.add_row("ragbus hop ÷ raw hop (p50)", f"{ratio:.2f}×", "", "")
    pipe = result["pipeline"]
    chain = hops[f"raw chain of {CHAIN_HOPS} relays"]
    table.add_row("ragbus pipeline (offline generator)", f"{pipe['p50_ms']:.1f}", f"{pipe['p99_ms']:.1f}",
                  f"{pipe['p50_ms'] / chain['p50_ms']:.1f}× the raw chain; stages p50 {pipe['stage_p50_ms']}")
    sat = result["saturation"]
    table.add_row("throughput at saturation", "", "", f"{sat['answers_per_s']} answers/s, {sat['cpu_s_per_answer']} CPU-s/answer "
                  f"({sat['answered']}/{sat['requests']} answered)")
    console.print(table)
    memory_table = Table(title="memory (MB)")
    for column in ("process", "idle RSS", "peak RSS after load"):
        memory_table.add_column(column)
    for name, values in result["memory_after_load"].items():
        memory_table.add_row(name, str(result["memory_idle"].get(name, {}).get("rss_mb", "")), str(values["peak_rss_mb"]))
    total = sum(v["peak_rss_mb"] for v in result["memory_after_load"].values())
    memory_table.add_row("whole stack", "", f"{total:.0f}")
    console.print(memory_table)
    if "index_scale" in result:
        print_index_scale(result["index_scale"])


def print_index_scale(scale: dict) -> None:
    table = Table(title="retrieval as the index grows (one tenant of two; 30 candidates per search)")
    for column in ("chunks", "load s", "dense p50 ms", "dense p99 ms", "BM25 build s", "BM25 p50 ms", "BM25 p99 ms"):
        table.add_column(column)
    for row in scale["scale"]:
        table.add_row(*(str(row[key]) for key in ("chunks", "load_s", "dense_p50_ms", "dense_p99_ms", "bm25_build_s",
                                                   "bm25_p50_ms", "bm25_p99_ms")))
    console.print(table)
    embedding = scale["embedding"]
    console.print(f"embedding throughput: {embedding['chunks_per_s']} chunks/s ({embedding['chunks']} Cranfield "
                  f"abstracts, MiniLM int8, batches of 32)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=1000, help="Messages per hop measurement.")
    parser.add_argument("--questions", type=int, default=200, help="Sequential questions through the pipeline.")
    parser.add_argument("--saturation", type=int, default=300, help="Questions sent at once for throughput.")
    parser.add_argument("--port-base", type=int, default=19500)
    parser.add_argument("--out", type=Path, default=Path("reports/bench/bench.json"))
    parser.add_argument("--index-sizes", default="10000,100000", help="Chunk counts for the retrieval scale test ('' skips it).")
    parser.add_argument("--cranfield", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data" / "cranfield",
                        help="Cranfield folder (texts and queries for the retrieval scale test).")
    args = parser.parse_args()
    if args.index_sizes and not (args.cranfield / "cran.all.1400").exists():
        parser.error(f"no Cranfield collection in {args.cranfield}: pass --cranfield, or --index-sizes '' to skip that part")
    stack = LocalStack(StackConfig.at(Path("/tmp/ragbus-bench"), args.port_base))
    stack.up(progress=lambda message: console.print(f"[dim]{message}[/]"))
    try:
        result = {"hops": asyncio.run(hop_benchmarks(stack.config.bootstrap_servers, stack.config.run_dir, args.count))}
        result.update(asyncio.run(pipeline_benchmarks(stack, args.questions, args.saturation)))
    finally:
        stack.down()
    if args.index_sizes:
        console.print("[dim]retrieval scale test (synthetic index, real query embeddings)[/]")
        result["index_scale"] = index_scale(args.cranfield, tuple(int(n) for n in args.index_sizes.split(",")))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    print_table(result)
    console.print(f"written to {args.out}")


if __name__ == "__main__":
    main()
