"""`make bench`: what ragbus adds on top of the broker, measured side by side in one run (docs/benchmarks.md).

Prints the tables and writes reports/bench/bench.json. Numbers only; nothing here asserts. The stage functions
are wired here, as the services wire them, for the in-process run: libs never import services.
"""

import argparse
import asyncio
import json
import os
import time
from datetime import timedelta
from pathlib import Path

from rich.console import Console

from libs.bench.hops import hop_benchmarks
from libs.bench.in_process import in_process_benchmarks
from libs.bench.index_scale import index_scale
from libs.bench.legs import leg_breakdown, read_spans
from libs.bench.model_server import start_fake_model
from libs.bench.pipeline import bench_questions, fake_model_pipeline, pipeline_benchmarks
from libs.bench.stages import StageCalls, Timed
from libs.bench.table import print_tables
from libs.bench.targets import targets
from libs.contracts.envelope import new_id, utcnow
from libs.contracts.questions import AnswerDrafted, AskQuestion, ContextRetrieved, QuestionScreened
from libs.devstack.stack import LocalStack, StackConfig
from libs.models.generation import Draft
from libs.platform.settings import ChromaSettings
from services.generate.service import GenerateDeps, assign_variant, generate
from services.generate.settings import GenerateSettings
from services.generate.wiring import build_deps
from services.guardrail.guards import keep_torch_out, load_guards, warm_up
from services.guardrail.input_stage import screen_question
from services.guardrail.output_stage import decide_output
from services.guardrail.retry import retry_of
from services.guardrail.service import initial_state
from services.guardrail.settings import GuardrailSettings
from services.retrieve.service import hybrid_retriever, lexical_indexes, retrieve
from services.retrieve.settings import RetrieveSettings

FAKE_MODEL_PORT_OFFSET = 8  # the stack takes port base .. base+6
console = Console()


def load_stages(chroma_url: str) -> tuple:
    """The guardrail's scanners and settings, and the retrieve service's hybrid retriever, built as they build them."""
    from libs.models.embedder import MiniLmEmbedder
    from libs.retrieval.tokens import MiniLmTokenCounter
    from libs.stores.chunk_index import open_chunk_index

    keep_torch_out()
    guardrail, retrieval = GuardrailSettings(), RetrieveSettings(chroma=ChromaSettings(url=chroma_url))
    store = open_chunk_index(retrieval.chroma, MiniLmEmbedder(threads=retrieval.query_embedding_threads))
    retriever = hybrid_retriever(store, lexical_indexes(store.tenant_chunks, retrieval), MiniLmTokenCounter(), retrieval)
    return warm_up(load_guards(guardrail)), guardrail, retriever


def generate_deps(model_base_url: str | None) -> GenerateDeps:
    """The offline generator alone, or the model ladder against the fake server with no draft cache."""
    if model_base_url is None:
        return build_deps(GenerateSettings(anthropic_api_key=None))
    return build_deps(GenerateSettings(anthropic_api_key="bench-key", anthropic_base_url=model_base_url,
                                       cache_store="memory", cache_max_entries=0))


async def answer(stages: tuple, deps: GenerateDeps, tenant: str, question: str) -> Timed:
    """One question through the stage functions as the handlers chain them, the retry included; each stage timed."""
    guards, settings, retriever = stages
    timed, started = Timed(status="blocked"), time.perf_counter()
    ask = AskQuestion(request_id=new_id(), tenant=tenant, question=question, deadline=utcnow() + timedelta(seconds=60))
    screening = timed.call("guardrail_in", screen_question, ask.question, ask.tenant, guards, settings)
    state = initial_state(ask, screening.question)
    screened = None if screening.blocked_reason else QuestionScreened(**ask.envelope_for_next(), state=state)
    while screened is not None:
        timed.attempts += 1
        chunks = timed.call("retrieve", retrieve, retriever, tenant, screened.state.question, screened.state.top_k)
        context = assign_variant(ContextRetrieved(**screened.envelope_for_next(), state=screened.state, chunks=chunks), deps.split)
        generated = await timed.wait("generate", generate(context, deps)) if chunks else None  # as the handler
        draft = generated.draft if generated else Draft(answer="", citations=[], model="none")
        drafted = AnswerDrafted(**context.envelope_for_next(), state=context.state, chunks=chunks, answer=draft.answer,
                                citations=draft.citations, model=draft.model, usage=draft.usage, cost_usd=draft.cost_usd,
                                generation=generated.info if generated else None)
        completed = timed.call("guardrail_out", decide_output, drafted, guards, settings)
        screened = retry_of(drafted, completed, settings)
        timed.status, timed.model = completed.status.value, draft.model
    timed.total_ms = (time.perf_counter() - started) * 1000
    return timed


STAGE_CALLS = StageCalls(load=load_stages, deps=generate_deps, answer=answer)


def run_stack_parts(stack: LocalStack, args: argparse.Namespace) -> dict:
    config = stack.config
    port = config.kafka_port + FAKE_MODEL_PORT_OFFSET
    fake, base_url = start_fake_model(port, config.run_dir), f"http://127.0.0.1:{port}"
    result, seconds = {}, {}

    def part(name: str, run) -> None:
        console.print(f"[dim]{name}[/]")
        started = time.perf_counter()
        result.update(run())
        seconds[name] = round(time.perf_counter() - started, 1)

    try:
        part("hops: direct, raw relay, ragbus relay, raw chain",
             lambda: {"hops": asyncio.run(hop_benchmarks(config.bootstrap_servers, config.run_dir, args.count))})
        part("pipeline, offline generator: one at a time, then at saturation",
             lambda: asyncio.run(pipeline_benchmarks(stack, args.questions, args.saturation)))
        part("stage functions in-process (spawned worker processes)", lambda: {"in_process": in_process_benchmarks(
            STAGE_CALLS, f"http://127.0.0.1:{config.chroma_port}", stack.chroma.pid, bench_questions(), args.questions, base_url,
            per_worker=max(args.saturation // args.workers, 1), workers=args.workers)})
        part("pipeline, generate calling the fake model server",
             lambda: asyncio.run(fake_model_pipeline(stack, base_url, args.questions)))
    finally:
        fake.stop()
    return {**result, "part_s": seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=1000, help="Messages per hop measurement.")
    parser.add_argument("--questions", type=int, default=200, help="Sequential questions through the pipeline (and in-process).")
    parser.add_argument("--saturation", type=int, default=300, help="Questions sent at once for throughput (split among the in-process workers).")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="In-process worker processes for the throughput ceiling.")
    parser.add_argument("--port-base", type=int, default=19500, help="Broker port; Chroma, services and the fake model server above it.")
    parser.add_argument("--run-dir", type=Path, default=Path("/tmp/ragbus-bench"))
    parser.add_argument("--out", type=Path, default=Path("reports/bench/bench.json"))
    parser.add_argument("--index-sizes", default="10000,100000", help="Chunk counts for the retrieval scale test ('' skips it).")
    parser.add_argument("--cranfield", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data" / "cranfield",
                        help="Cranfield folder (texts and queries for the retrieval scale test).")
    args = parser.parse_args()
    if args.index_sizes and not (args.cranfield / "cran.all.1400").exists():
        parser.error(f"no Cranfield collection in {args.cranfield}: pass --cranfield, or --index-sizes '' to skip that part")
    started = time.perf_counter()
    stack = LocalStack(StackConfig.at(args.run_dir, args.port_base))
    stack.up(progress=lambda message: console.print(f"[dim]{message}[/]"))
    try:
        result = run_stack_parts(stack, args)
    finally:
        stack.down()  # spans are flushed by now
    result["legs"] = {key: leg_breakdown(read_spans(stack.config.trace_file, tuple(result[key]["window_ns"])))
                      for key in ("pipeline", "pipeline_fake_model") if key in result}
    if args.index_sizes:
        console.print("[dim]retrieval scale test (synthetic index, real query embeddings)[/]")
        scale_started = time.perf_counter()
        result["index_scale"] = index_scale(args.cranfield, tuple(int(n) for n in args.index_sizes.split(",")))
        result["part_s"]["retrieval scale test"] = round(time.perf_counter() - scale_started, 1)
    result["targets"] = [target.row() for target in targets(result)]
    result["wall_s"] = round(time.perf_counter() - started, 1)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    print_tables(result, console)
    console.print(f"written to {args.out} ({result['wall_s']} s)")


if __name__ == "__main__":
    main()
