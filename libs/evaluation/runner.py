"""Runs the evaluation set through the real pipeline (broker and services), not in-process."""

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

from libs.client.documents import read_corpus
from libs.client.rag_client import RagClient
from libs.contracts.envelope import new_id, utcnow
from libs.contracts.questions import AnswerStatus
from libs.evaluation import summary
from libs.evaluation.cases import EvalCase, eval_version
from libs.evaluation.judges import Judge
from libs.evaluation.model_outage import Outage
from libs.evaluation.scoring import CaseResult, score_case

CORPUS = Path("data/corpus")


async def ingest_corpus(rag: RagClient, corpus: Path) -> int:
    documents = read_corpus(corpus)
    await asyncio.gather(*(rag.ingest(doc) for doc in documents))
    return len(documents)


async def run_case(rag: RagClient, case: EvalCase, judge: Judge, run_id: str, timeout_s: float) -> CaseResult:
    started = time.perf_counter()
    answer = await rag.ask(case.question, case.tenant, timeout_s=timeout_s, request_id=f"eval-{run_id}-{case.id}")
    latency_ms = (time.perf_counter() - started) * 1000
    scores = await judge.score(answer) if answer.status == AnswerStatus.OK else []  # only answers are judged
    judged = {score.metric: score.value for score in scores}
    spreads = {score.metric: score.spread for score in scores if score.spread is not None}
    return score_case(case, answer, latency_ms, judged, spreads)


async def run_eval(
    bootstrap: str, cases: list[EvalCase], judge: Judge, *, corpus: Path = CORPUS, timeout_s: float = 30.0,
    progress: Callable[[CaseResult], None] = lambda result: None, outage: Outage | None = None,
) -> dict:
    """Every case through the pipeline. Cases with a `model_fault` run inside `outage(kind)`, after the others;
    without an `outage` (a stack this run cannot restart) they are skipped and listed under run.skipped."""
    run_id = new_id()[:12]
    started_at = utcnow()
    faulted = [case for case in cases if case.model_fault]
    runnable = [case for case in cases if not case.model_fault] + (faulted if outage else [])
    async with RagClient(bootstrap) as rag:
        documents = await ingest_corpus(rag, corpus)
        results = []
        for case in runnable:  # one at a time, so latency is the pipeline's, not queueing behind other cases
            if case.model_fault:
                async with outage(case.model_fault):
                    results.append(await run_case(rag, case, judge, run_id, timeout_s))
            else:
                results.append(await run_case(rag, case, judge, run_id, timeout_s))
            progress(results[-1])
    return {
        "run": {
            "id": run_id, "started_at": started_at.isoformat(), "eval_version": eval_version(), "cases": len(results),
            "skipped": [] if outage else [case.id for case in faulted],
            "documents": documents,
            "judge": {"name": judge.name, "version": judge.version, "prompt": judge.prompt, "repeats": judge.repeats},
            "generators": sorted({r.answer.model for r in results if r.answer.model}),
            "prompts": summary.prompts_used(results),
        },
        "metrics": {**summary.quality(results), **summary.latency_and_cost(results)},
        "judge_spread": summary.judge_spread(results),
        "latency_ms": summary.latency_series(results),
        "by_category": summary.by_category(results),
        "cases": summary.case_rows(results),
    }
