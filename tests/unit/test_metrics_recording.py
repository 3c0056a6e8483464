"""What the services record for Prometheus: labels, buckets and the consumer-lag arithmetic.

The recording functions use the process's global meter, as the services do; the global provider here reads
into memory. Each test uses a tenant or label value of its own, so the cumulative points do not mix.
"""

import asyncio
import uuid
from datetime import timedelta

import pytest
from aiokafka import TopicPartition
from faststream.kafka import KafkaBroker
from opentelemetry import metrics as otel_metrics
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader

from libs.contracts.envelope import utcnow
from libs.contracts.questions import AnswerStatus, AskQuestion, CheckResult, GenerationInfo, TokenUsage
from libs.models.generation import Draft
from libs.platform import metrics
from libs.platform.consumer_lag import GroupTopics, consumed_by_groups, lag_by_topic
from libs.platform.periodic import Periodic
from libs.testing.generation import context_for
from services.generate.measures import record_generation, rung_reason
from services.generate.service import Generated
from services.guardrail import measures as guardrail_measures
from services.guardrail.service import failed, final_answer, initial_state


@pytest.fixture(scope="module")
def reader() -> InMemoryMetricReader:
    reader = InMemoryMetricReader()
    otel_metrics.set_meter_provider(MeterProvider(metric_readers=[reader]))
    assert isinstance(otel_metrics.get_meter_provider(), MeterProvider), "another test set the global provider first"
    return reader


def points(reader: InMemoryMetricReader, spec: tuple, **labels) -> list:
    found = [m for rm in reader.get_metrics_data().resource_metrics for sm in rm.scope_metrics for m in sm.metrics
             if m.name == spec[0]]
    return [p for m in found for p in m.data.data_points if labels.items() <= dict(p.attributes).items()]


def value_of(reader, spec, **labels) -> float:
    return sum(point.value for point in points(reader, spec, **labels))


def tenant() -> str:
    return f"t-{uuid.uuid4().hex[:8]}"


def test_eval_scores_have_buckets_between_0_and_1(reader):
    variant = f"v-{uuid.uuid4().hex[:6]}"
    metrics.histogram(metrics.EVAL_SCORE).record(0.83, {"metric": "faithfulness", "judge": "offline", "variant": variant})
    (point,) = points(reader, metrics.EVAL_SCORE, variant=variant)
    assert point.explicit_bounds[0] == 0.0 and point.explicit_bounds[-1] == 1.0 and 0.5 in point.explicit_bounds
    assert point.count == 1 and point.sum == pytest.approx(0.83)


def test_millisecond_histograms_keep_the_default_buckets_the_latency_alert_needs(reader):
    metrics.histogram(metrics.ANSWER_LATENCY).record(1234.0, {"status": "unit-test"})
    (point,) = points(reader, metrics.ANSWER_LATENCY, status="unit-test")
    assert 10000.0 in point.explicit_bounds


def test_a_final_answer_is_counted_by_status_reason_and_tenant_with_its_duration(reader):
    who = tenant()
    ask = AskQuestion(request_id="r1", tenant=who, question="q?", deadline=utcnow() + timedelta(seconds=30))
    answer = final_answer("r1", who, initial_state(ask, ask.question), AnswerStatus.BLOCKED, "no", "prompt_injection")
    guardrail_measures.record_answer(answer)
    assert value_of(reader, metrics.ANSWERS_COMPLETED, tenant=who, status="blocked", reason="prompt_injection") == 1
    assert all("request_id" not in p.attributes for p in points(reader, metrics.ANSWERS_COMPLETED))


def test_each_check_is_counted_by_stage_check_and_outcome(reader):
    checks = [CheckResult(check="unit_pii", passed=True), CheckResult(check="unit_pii", passed=False),
              failed("unit_pii", ValueError("boom"))]
    guardrail_measures.record_checks("input", checks)
    outcomes = {p.attributes["outcome"]: p.value for p in points(reader, metrics.GUARDRAIL_DECISIONS, check="unit_pii")}
    assert outcomes == {"passed": 1, "failed": 1, "error": 1}


@pytest.mark.parametrize(("reason", "code"), [
    ("", ""), ("budget_exceeded", "budget_exceeded"), ("primary:overloaded", "overloaded"),
    ("primary:overloaded; secondary:breaker_open", "breaker_open"),
])
def test_the_rung_reason_is_one_code(reason, code):
    assert rung_reason(reason) == code


def test_generation_records_tokens_cost_rung_and_cache_lookups(reader):
    who = tenant()
    context = context_for("What is the hotel cap?", tenant=who, variant="concise")
    paid = Generated(Draft("180 EUR", [], "claude-x", TokenUsage(input_tokens=900, output_tokens=40), 0.0031),
                     GenerationInfo(rung="secondary", reason="primary:timeout"))
    hit = Generated(Draft("180 EUR", [], "claude-x"), GenerationInfo(rung="secondary", cache_hit=True))
    record_generation(context, paid, cache_consulted=True)
    record_generation(context, hit, cache_consulted=True)
    assert value_of(reader, metrics.MODEL_TOKENS, tenant=who, model="claude-x", variant="concise", direction="input") == 900
    assert value_of(reader, metrics.MODEL_TOKENS, tenant=who, direction="output") == 40
    assert value_of(reader, metrics.MODEL_COST, tenant=who, model="claude-x") == pytest.approx(0.0031)
    assert value_of(reader, metrics.GENERATION_RUNG, rung="secondary", reason="timeout") >= 1
    assert value_of(reader, metrics.CACHE_LOOKUPS, result="hit") >= 1


def test_lag_is_end_minus_committed_summed_per_topic_and_counts_never_committed_partitions_from_the_beginning():
    a0, a1, b0 = TopicPartition("a", 0), TopicPartition("a", 1), TopicPartition("b", 0)
    lag = lag_by_topic(end={a0: 10, a1: 7, b0: 5}, committed={a0: 4, a1: None, b0: 5}, beginning={a1: 2})
    assert lag == {"a": 6 + 5, "b": 0}


def test_lag_never_goes_negative():
    partition = TopicPartition("a", 0)
    assert lag_by_topic(end={partition: 3}, committed={partition: 5}, beginning={}) == {"a": 0}


def test_the_groups_and_topics_are_read_from_the_broker_subscribers_and_groupless_ones_are_left_out():
    broker = KafkaBroker("127.0.0.1:1")

    async def handle(body: bytes) -> None: ...

    broker.subscriber("questions", group_id="guardrail")(handle)
    broker.subscriber("drafts", group_id="guardrail")(handle)
    broker.subscriber("ingested", group_id=None)(handle)
    broker.subscriber("screened", group_id="retrieve")(handle)
    assert consumed_by_groups(broker) == [GroupTopics("guardrail", ("drafts", "questions")), GroupTopics("retrieve", ("screened",))]


async def test_a_periodic_task_survives_a_failing_run_and_stops():
    runs = []

    async def chore() -> None:
        runs.append(1)
        raise RuntimeError("broker away")

    ticker = Periodic("unit", chore, interval_s=0.01)
    await ticker.start()
    async with asyncio.timeout(5):
        while len(runs) < 3:
            await asyncio.sleep(0.01)
    await ticker.stop()
    stopped_at = len(runs)
    await asyncio.sleep(0.05)
    assert len(runs) == stopped_at
