"""`make load`: open-loop load at increasing rates until the stack saturates, and what it does when overloaded.

Each step sends questions on a fixed schedule decided in advance (a publish never waits for the one before), each
with a deadline counted from its scheduled send time, then waits for every final answer (until the last deadline
plus a settle time; what has none by then is lost; after the last step the run waits `drain_s` more to tell
answered late from never answered). Consumer lag, requests in flight and the services' memory
are sampled while it flows; the drafts generate produced are counted from its /metrics. Figures: load_figures.py.
With `max_backlog_share`, the client's admission control refuses questions at the door (`failed`, `overloaded`).
"""

import asyncio
import os
import time
from dataclasses import asdict, dataclass

from libs.bench.pipeline import bench_questions
from libs.chaos.load_figures import Received, Request, saturated, saturation_point, schedule, step_figures
from libs.chaos.pressure import PressureWatch
from libs.client.rag_client import RagClient
from libs.contracts.envelope import new_id
from libs.devstack.stack import LocalStack


@dataclass(frozen=True)
class LoadRun:
    rates: tuple[float, ...] = (5.0, 10.0, 20.0, 40.0, 80.0)
    step_s: float = 30.0
    deadline_s: float = 10.0
    settle_s: float = 20.0  # after a step's last deadline, for answers still on their way; later ones count as lost
    drain_s: float = 120.0  # after the last step's last deadline: are the lost ones answered late, or never?
    steps_past_saturation: int = 1  # overloaded steps to run after the first saturated one
    warmup: int = 5  # questions asked one at a time before the first step (first-request costs)
    sample_every_s: float = 1.0
    max_backlog_share: float | None = None  # admission control in the client (None: off); see libs/client/admission.py


async def run_load(stack: LocalStack, run: LoadRun, questions: list[tuple[str, str]] | None = None) -> dict:
    questions = questions or bench_questions()
    received: Received = {}
    deliveries: dict[str, int] = {}
    async with RagClient(stack.config.bootstrap_servers, max_backlog_share=run.max_backlog_share) as rag:
        for tenant, question in questions[:run.warmup]:
            await rag.ask(question, tenant, timeout_s=60)
        receiver = asyncio.create_task(_receive(rag, received, deliveries))
        steps, sent = await _steps(stack, rag, run, questions, received)
        await wait_for_answers({rid: r for requests in sent for rid, r in requests.items()}, received, run.drain_s)
        receiver.cancel()
        duplicates, refused = rag.duplicates_dropped, rag.refused
    for step, requests in zip(steps, sent):
        step["never_answered"] = sum(1 for rid in requests if rid not in received)
    return {"settings": asdict(run), "steps": steps, "saturation_rps": saturation_point(steps, run.deadline_s),
            "delivered_twice": sum(1 for n in deliveries.values() if n > 1), "duplicates_dropped_by_client": duplicates,
            "refused_by_client": refused, "cpus": os.cpu_count()}


async def _steps(stack: LocalStack, rag: RagClient, run: LoadRun, questions: list,
                 received: Received) -> tuple[list[dict], list[dict[str, Request]]]:
    """Step by step up the rates, until `steps_past_saturation` steps after the first saturated one."""
    steps, sent, overloaded = [], [], 0
    for rate in run.rates:
        sent.append({})
        steps.append(await run_step(stack, rag, run, rate, questions, received, sent[-1]))
        overloaded += saturated(steps[-1], run.deadline_s)
        if overloaded > run.steps_past_saturation:
            break
    return steps, sent


async def run_step(stack: LocalStack, rag: RagClient, run: LoadRun, rate: float, questions: list,
                   received: Received, requests: dict[str, Request]) -> dict:
    watch, stop = PressureWatch(stack, run.sample_every_s), asyncio.Event()
    watcher = asyncio.create_task(watch.run(stop, lambda: sum(1 for rid in requests if rid not in received)))
    load_before, drafts_before, started = os.getloadavg(), await asyncio.to_thread(watch.drafts), time.time()
    await send_open_loop(rag, rate, run, questions, requests)
    await wait_for_answers(requests, received, run.settle_s)
    stop.set()
    await watcher
    figures = step_figures(rate, run.step_s, requests, received)
    return figures | {"seconds": round(time.time() - started, 1), "pressure": watch.peaks(), "samples": watch.series,
                      "drafts_generated": await asyncio.to_thread(watch.drafts) - drafts_before,
                      "load_avg": {"before": load_before, "after": os.getloadavg()}}


async def send_open_loop(rag: RagClient, rate: float, run: LoadRun, questions: list, requests: dict[str, Request]) -> None:
    start, sends = time.time() + 0.1, []
    for n, offset in enumerate(schedule(rate, run.step_s)):
        await asyncio.sleep(max(0.0, start + offset - time.time()))
        request = Request(scheduled=start + offset, deadline=start + offset + run.deadline_s)
        sends.append(asyncio.create_task(_send(rag, request, questions[n % len(questions)], requests)))
    await asyncio.gather(*sends)


async def _send(rag: RagClient, request: Request, asked: tuple[str, str], requests: dict[str, Request]) -> None:
    tenant, question = asked
    request_id = new_id()
    requests[request_id] = request
    await rag.send_question(question, tenant, timeout_s=request.deadline - time.time(), request_id=request_id)
    request.published = time.time()


async def wait_for_answers(requests: dict[str, Request], received: Received, settle_s: float) -> None:
    give_up = max(r.deadline for r in requests.values()) + settle_s
    while not requests.keys() <= received.keys() and time.time() < give_up:
        await asyncio.sleep(0.2)


async def _receive(rag: RagClient, received: Received, deliveries: dict[str, int]) -> None:
    async for answer in rag.answers():
        deliveries[answer.request_id] = deliveries.get(answer.request_id, 0) + 1
        received.setdefault(answer.request_id, (time.time(), answer))
