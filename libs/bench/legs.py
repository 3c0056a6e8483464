"""Where a pipeline request's time goes, read from the stack's trace file (`traces.jsonl`, one span a line).

For each consumer of a single-pass request: the wait before it (the previous publish's end to the start of
its `process` span: broker, fetch wake-up, decoding), its stage span (the work: search, model call, checks),
its publishes (faststream's `create` and `publish` spans, acks=all) and the rest of the handler (validation,
the thread hop, PostgreSQL, metrics). Means, so the parts add up to the whole; the client is not traced, so
the legs to and from it are not here.
"""

import json
from collections import defaultdict
from pathlib import Path

from libs.contracts import topics

PIPELINE = (topics.QUESTION_ASKED, topics.QUESTION_SCREENED, topics.CONTEXT_RETRIEVED, topics.ANSWER_DRAFTED)
PARTS = ("wait", "stage", "publish", "rest")


def read_spans(path: Path, window_ns: tuple[int, int]) -> list[dict]:
    """Spans of the traces that began inside the window (a trace's spans may end a little after it)."""
    if not path.exists():
        return []
    spans = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    started = {s["trace_id"] for s in spans if s["parent_id"] is None and window_ns[0] <= s["start_ns"] <= window_ns[1]}
    return [s for s in spans if s["trace_id"] in started]


def leg_breakdown(spans: list[dict]) -> dict:
    """Mean milliseconds per consumer and part over the single-pass requests, and how many there were."""
    by_trace: dict[str, list[dict]] = defaultdict(list)
    for span in spans:
        by_trace[span["trace_id"]].append(span)
    legs = [legs_of(trace) for trace in by_trace.values()]
    legs = [leg for leg in legs if leg is not None]
    table = {topic: {part: _mean([leg[topic][part] for leg in legs if leg[topic][part] is not None]) for part in PARTS}
             for topic in PIPELINE}
    return {"requests": len(legs), "legs": table}


def legs_of(trace: list[dict]) -> dict | None:
    """The four consumers' parts of one request, or None unless it went through each exactly once."""
    found = [s for s in trace if s["kind"] == "CONSUMER" and s["name"].removesuffix(" process") in PIPELINE]
    processes = {s["name"].removesuffix(" process"): s for s in found}
    if len(found) != len(PIPELINE) or len(processes) != len(PIPELINE):
        return None
    children: dict[str, list[dict]] = defaultdict(list)
    by_id = {s["span_id"]: s for s in trace}
    for span in trace:
        children[span["parent_id"]].append(span)
    return {topic: _parts(process, children, by_id) for topic, process in processes.items()}


def _parts(process: dict, children: dict, by_id: dict) -> dict:
    inner = children[process["span_id"]]
    stage = sum(_ms(s) for s in inner if s["kind"] == "INTERNAL")
    creates = [s for s in inner if s["kind"] == "PRODUCER"]
    publish = sum(_ms(s) + sum(_ms(p) for p in children[s["span_id"]] if p["kind"] == "PRODUCER") for s in creates)
    return {"wait": _wait(process, children, by_id), "stage": stage, "publish": publish,
            "rest": _ms(process) - stage - publish}


def _wait(process: dict, children: dict, by_id: dict) -> float | None:
    create = by_id.get(process["parent_id"])
    if create is None or create["service"] == process["service"]:
        return None  # published by an untraced client: no publish span to measure from
    sent = [s for s in children[create["span_id"]] if s["kind"] == "PRODUCER"]
    return (process["start_ns"] - (sent[0] if sent else create)["end_ns"]) / 1e6


def _ms(span: dict) -> float:
    return (span["end_ns"] - span["start_ns"]) / 1e6


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 2) if values else None
