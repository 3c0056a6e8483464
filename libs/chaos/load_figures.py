"""The figures of one load step, from what was sent and what came back (pure: no broker, no clock).

Latency is measured from the *scheduled* send time, so a generator or a system falling behind shows up in it
instead of being hidden (coordinated omission). Stage times are the handlers' own (`stage_ms`, over answers that
were processed, i.e. not expired); `queue` is the rest of the end-to-end time: broker hops and waiting in topics.
"""

from dataclasses import dataclass

from libs.client.admission import OVERLOADED
from libs.contracts.questions import AnswerCompleted, AnswerStatus
from libs.evaluation.metrics import percentile

STAGES = ("guardrail_in", "retrieve", "generate", "guardrail_out")
STATUSES = tuple(status.value for status in AnswerStatus)
SATURATED_BELOW = 0.9  # in-deadline answers per second under this share of the offered rate


@dataclass
class Request:
    scheduled: float  # epoch seconds
    deadline: float
    published: float | None = None


Received = dict[str, tuple[float, AnswerCompleted]]  # request id -> (epoch seconds received, the answer)


def refused(answer: AnswerCompleted) -> bool:
    """Refused at the door by the client's admission control: never published, answered at once."""
    return answer.status == AnswerStatus.FAILED and answer.reason == OVERLOADED


def step_figures(rate: float, step_s: float, requests: dict[str, Request], received: Received) -> dict:
    """Refused questions count as answered (each got its final answer) but not in latency or in-deadline answers."""
    everything = {rid: received[rid] for rid in requests if rid in received}
    mine = {rid: got for rid, got in everything.items() if not refused(got[1])}
    answers = [answer for _, answer in mine.values()]
    e2e = {rid: (at - requests[rid].scheduled) * 1000 for rid, (at, _) in mine.items()}
    in_time = [rid for rid, (at, a) in mine.items() if a.status != AnswerStatus.EXPIRED and at <= requests[rid].deadline]
    first = min((r.scheduled for r in requests.values()), default=0.0)
    span_s = max((at for at, _ in mine.values()), default=first) - first
    late = late_not_expired(requests, mine)
    return {
        "offered_rps": rate, "sent": len(requests), "answered": len(everything),
        "lost": len(requests) - len(everything), "refused": len(everything) - len(mine),
        "by_status": {status: sum(1 for a in answers if a.status == status) for status in STATUSES},
        "answers_per_s": round(len(mine) / span_s, 2) if span_s > 0 else None,
        "in_deadline_per_s": round(len(in_time) / step_s, 2),
        "late_not_expired": {"count": len(late)} | spread(late),
        "expired_at": expired_at(answers),
        "latency_ms": spread(list(e2e.values())),
        "stage_ms": stage_spreads([a for a in answers if a.status != AnswerStatus.EXPIRED]),
        "queue_ms": spread([e2e[rid] - sum(a.stage_ms.values()) for rid, (_, a) in mine.items()]),
        "send_lag_ms": spread([(r.published - r.scheduled) * 1000 for r in requests.values() if r.published]),
    }


def late_not_expired(requests: dict[str, Request], mine: Received) -> list[float]:
    """Milliseconds past the deadline of answers that arrived after it without being marked expired."""
    return [(at - requests[rid].deadline) * 1000 for rid, (at, answer) in mine.items()
            if answer.status != AnswerStatus.EXPIRED and at > requests[rid].deadline]


def expired_at(answers: list[AnswerCompleted]) -> dict[str, int]:
    """Where expired requests stopped: at the input guardrail (never retrieved), or further down the pipeline; and
    the input guardrail's time spent on those it expired (it screens a question before it checks the deadline)."""
    expired = [a for a in answers if a.status == AnswerStatus.EXPIRED]
    at_input = [a for a in expired if set(a.stage_ms) <= {"guardrail_in"}]
    return {"input": len(at_input), "downstream": len(expired) - len(at_input),
            "input_screening_s": round(sum(a.stage_ms.get("guardrail_in", 0.0) for a in at_input) / 1000, 2)}


def stage_spreads(answers: list[AnswerCompleted]) -> dict[str, dict]:
    return {stage: spread([a.stage_ms[stage] for a in answers if stage in a.stage_ms]) for stage in STAGES}


def spread(values: list[float]) -> dict[str, float | None]:
    def rounded(value: float | None) -> float | None:
        return None if value is None else round(value, 1)

    return {"p50": rounded(percentile(values, 50)), "p99": rounded(percentile(values, 99)),
            "max": rounded(max(values, default=None))}


def saturated(step: dict, deadline_s: float) -> bool:
    p99 = step["latency_ms"]["p99"]
    return step["in_deadline_per_s"] < SATURATED_BELOW * step["offered_rps"] or (p99 or 0) > deadline_s * 1000


def saturation_point(steps: list[dict], deadline_s: float) -> float | None:
    """The offered rate of the first saturated step (None: the schedule never saturated the system)."""
    return next((step["offered_rps"] for step in steps if saturated(step, deadline_s)), None)


def schedule(rate: float, duration_s: float) -> list[float]:
    """Send offsets (seconds from the step's start), decided before the step: evenly spaced, open loop."""
    return [n / rate for n in range(round(rate * duration_s))]
