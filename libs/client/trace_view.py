"""`ragbus trace`: one request's spans, across every service, as a tree in the terminal."""

from collections import defaultdict
from pathlib import Path

from rich.tree import Tree

from libs.platform.telemetry import read_spans

SHOWN_ATTRIBUTE_PREFIXES = ("gen_ai.", "ragbus.", "db.")
TRACE_ID_LENGTH = 32
HIDDEN_ATTRIBUTES = {"ragbus.tenant", "ragbus.request_id"}


def trace_ids_for(spans: list[dict], request_or_trace_id: str) -> list[str]:
    if len(request_or_trace_id) == TRACE_ID_LENGTH and any(s["trace_id"] == request_or_trace_id for s in spans):
        return [request_or_trace_id]
    found = {s["trace_id"] for s in spans if s["attributes"].get("ragbus.request_id") == request_or_trace_id}
    return sorted(found)


def spans_of(trace_file: Path, request_or_trace_id: str) -> list[dict]:
    spans = read_spans(trace_file)
    wanted = set(trace_ids_for(spans, request_or_trace_id))
    return sorted((s for s in spans if s["trace_id"] in wanted), key=lambda s: s["start_ns"])


def service_edges(spans: list[dict]) -> list[tuple[str, str]]:
    """Service → service hops, in time order: a span whose parent ran in another service."""
    by_id = {s["span_id"]: s for s in spans}
    edges = []
    for span in spans:
        parent = by_id.get(span["parent_id"])
        if parent and parent["service"] != span["service"]:
            edges.append((parent["service"], span["service"]))
    return edges


def label(span: dict, trace_start: int) -> str:
    offset_ms = (span["start_ns"] - trace_start) / 1e6
    duration_ms = (span["end_ns"] - span["start_ns"]) / 1e6
    details = " ".join(
        f"{k}={v}" for k, v in span["attributes"].items() if k.startswith(SHOWN_ATTRIBUTE_PREFIXES) and k not in HIDDEN_ATTRIBUTES
    )
    status = "" if span["status"] != "ERROR" else " [red]ERROR[/]"
    return f"[bold]{span['service']}[/] {span['name']} [dim]+{offset_ms:.1f} ms[/] {duration_ms:.1f} ms{status} [dim]{details}[/]"


def render_tree(spans: list[dict]) -> Tree:
    children: dict[str | None, list[dict]] = defaultdict(list)
    ids = {s["span_id"] for s in spans}
    for span in spans:
        children[span["parent_id"] if span["parent_id"] in ids else None].append(span)
    start = spans[0]["start_ns"]
    root = Tree(f"trace {spans[0]['trace_id']} · {len(spans)} spans · {len({s['service'] for s in spans})} services")

    def attach(node: Tree, parent_id: str | None) -> None:
        for span in children[parent_id]:
            attach(node.add(label(span, start)), span["span_id"])

    attach(root, None)
    return root
