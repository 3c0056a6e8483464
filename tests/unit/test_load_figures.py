"""The load suite's arithmetic (`make load`): the open-loop schedule, a step's figures, the saturation point, and
what it reads from /metrics."""

from libs.chaos.load_figures import Request, saturation_point, schedule, step_figures
from libs.chaos.pressure import consumer_lags, drafts_generated
from libs.contracts.questions import AnswerCompleted, AnswerStatus

METRICS = """# HELP ragbus_consumer_lag Messages not yet consumed, by group and topic.
# TYPE ragbus_consumer_lag gauge
ragbus_consumer_lag{group="retrieve",otel_scope_name="ragbus",topic="rag.question-screened.v1"} 358.0
ragbus_consumer_lag{group="retrieve",otel_scope_name="ragbus",topic="docs.document-ingested.v1"} 0.0
ragbus_generation_rung_total{reason="",rung="offline"} 265.0
ragbus_generation_rung_total{reason="no_key",rung="offline"} 5.0
"""


def answer(request_id: str, status: AnswerStatus, stage_ms: dict[str, float]) -> AnswerCompleted:
    return AnswerCompleted(request_id=request_id, tenant="acme", status=status, question="q", answer="a", stage_ms=stage_ms)


def test_the_schedule_is_fixed_in_advance_and_evenly_spaced() -> None:
    assert schedule(4, 1.0) == [0.0, 0.25, 0.5, 0.75]
    assert len(schedule(80, 30.0)) == 2400


def test_a_step_counts_statuses_lost_and_latency_from_the_scheduled_send_time() -> None:
    requests = {rid: Request(scheduled=100.0, deadline=110.0, published=100.5) for rid in ("a", "b", "c", "d")}
    stages = {"guardrail_in": 5.0, "retrieve": 30.0, "generate": 1.0, "guardrail_out": 4.0}
    received = {
        "a": (100.2, answer("a", AnswerStatus.OK, stages)),
        "b": (112.0, answer("b", AnswerStatus.EXPIRED, {"guardrail_in": 5.0})),
        "c": (110.5, answer("c", AnswerStatus.OK, stages)),  # finalised in time, delivered late
    }
    step = step_figures(4.0, 1.0, requests, received)
    assert (step["sent"], step["answered"], step["lost"]) == (4, 3, 1)
    assert step["by_status"] == {"ok": 2, "abstained": 0, "blocked": 0, "failed": 0, "expired": 1}
    assert step["in_deadline_per_s"] == 1.0  # only "a": "c" came after its deadline
    assert step["expired_at"] == {"input": 1, "downstream": 0, "input_screening_s": 0.01}
    assert step["late_not_expired"]["count"] == 1 and round(step["late_not_expired"]["max"]) == 500
    assert step["latency_ms"]["p50"] == 10500.0 and step["latency_ms"]["max"] == 12000.0
    assert step["stage_ms"]["retrieve"]["p50"] == 30.0
    assert step["send_lag_ms"]["max"] == 500.0


def test_saturation_is_the_first_step_below_90_percent_of_offered_or_with_p99_over_the_deadline() -> None:
    def step(rate: float, in_deadline: float, p99_ms: float) -> dict:
        return {"offered_rps": rate, "in_deadline_per_s": in_deadline, "latency_ms": {"p99": p99_ms}}

    assert saturation_point([step(5, 5, 100), step(10, 9.5, 200), step(20, 20, 12_000), step(40, 10, 15_000)], 10) == 20
    assert saturation_point([step(5, 5, 100), step(10, 8.9, 200)], 10) == 10
    assert saturation_point([step(5, 5, 100)], 10) is None


def test_lag_and_drafts_are_read_from_prometheus_text() -> None:
    assert consumer_lags(METRICS) == {"retrieve:rag.question-screened.v1": 358, "retrieve:docs.document-ingested.v1": 0}
    assert drafts_generated(METRICS) == 270
    assert consumer_lags("") == {} and drafts_generated("") == 0
