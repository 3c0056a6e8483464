"""Figures of one `make chaos` phase from what the client sent and what it received, and what the crashes cost.

`sent` maps a request id to the time it was published; `seen` maps it to every (time, status) the client
handed over. A request misses its deadline when its first answer came later than `deadline_s` after it was
sent, when that answer says `expired`, or when no answer came at all.
"""

from collections import Counter

from libs.evaluation.metrics import percentile

Sent = dict[str, float]
Seen = dict[str, list[tuple[float, str]]]


def phase_figures(sent: Sent, seen: Seen, deadline_s: float) -> dict:
    first = {request: seen[request][0] for request in sent if request in seen}
    delays = [(at - sent[request]) * 1000 for request, (at, _) in first.items()]
    late = sum(1 for request, (at, status) in first.items() if at - sent[request] > deadline_s or status == "expired")
    lost = len(sent) - len(first)
    return {
        "sent": len(sent),
        "answered": sum(1 for _, status in first.values() if status == "ok"),
        "explicitly_failed": sum(1 for _, status in first.values() if status != "ok"),
        "by_status": dict(Counter(status for _, status in first.values())),
        "lost": lost,
        "delivered_twice": sum(1 for request in first if len(seen[request]) > 1),
        "deadline_missed": late + lost,
        "deadline_s": deadline_s,
        "p50_ms": _rounded(percentile(delays, 50)),
        "p99_ms": _rounded(percentile(delays, 99)),
    }


def cost_of_crashes(baseline: dict, crashed: dict) -> dict:
    """The delay the crashes caused: the same stream's percentiles with kills minus without."""
    def difference(key: str) -> float | None:
        if baseline[key] is None or crashed[key] is None:
            return None
        return round(crashed[key] - baseline[key], 1)

    return {"p50_delay_caused_ms": difference("p50_ms"), "p99_delay_caused_ms": difference("p99_ms"),
            "deadline_misses_caused": crashed["deadline_missed"] - baseline["deadline_missed"]}


def _rounded(ms: float | None) -> float | None:
    return None if ms is None else round(ms, 1)
