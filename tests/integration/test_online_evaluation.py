"""Online evaluation over the real broker and PostgreSQL: sampled answers scored once, drift raised once.

Each test uses its own tenant and variant, so other tests' answers never fall into its scores or windows.
"""

import asyncio
import hashlib
from collections import Counter
from uuid import uuid4

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer, TopicPartition

from libs.contracts import topics
from libs.contracts.envelope import new_id
from libs.contracts.evaluation import AlertRaised, AnswerScored
from libs.contracts.questions import AnswerCompleted, AnswerStatus, Citation
from libs.platform.sampling import is_sampled
from libs.testing.topic_reading import read_all, wait_until_group_past

pytestmark = pytest.mark.integration

METRICS = ("faithfulness", "answer_relevance")
QUESTION = "What is the hotel cap for staff travel?"
QUOTE = "The hotel cap for staff travel is 180 EUR per night."
SUPPORTED = "The hotel cap for staff travel is 180 EUR per night. [1]"
UNSUPPORTED = "The hotel cap for staff travel was abolished in March by the finance board. [1]"
DEADLINE_S = 30.0


def unique_variant() -> str:
    return f"t-{uuid4().hex[:8]}"


def completed(tenant: str, variant: str, text: str, request_id: str | None = None) -> AnswerCompleted:
    citation = Citation(document_id="travel", chunk_id="travel#0", source="travel.md", quote=QUOTE)
    return AnswerCompleted(
        request_id=request_id or new_id(), tenant=tenant, status=AnswerStatus.OK, question=QUESTION, answer=text,
        citations=[citation], variant=variant, context_text=f"[1] {QUOTE}",
    )


def sampled_ids(count: int, rate: float) -> list[str]:
    ids: list[str] = []
    while len(ids) < count:
        ids += [rid for rid in [new_id()] if is_sampled(rid, rate)]
    return ids


async def publish(bootstrap: str, answers: list[AnswerCompleted]) -> dict[TopicPartition, int]:
    """Publish the answers; returns, per partition, the offset just past the last one published."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        marks: dict[TopicPartition, int] = {}
        for answer in answers:
            sent = await producer.send_and_wait(
                topics.ANSWER_COMPLETED, answer.model_dump_json().encode(), key=answer.request_id.encode()
            )
            marks[TopicPartition(sent.topic, sent.partition)] = sent.offset + 1
        return marks
    finally:
        await producer.stop()


async def wait_until_evaluated(bootstrap: str, marks: dict[TopicPartition, int], timeout_s: float = DEADLINE_S) -> None:
    """Wait until the evaluate group committed past the marks: its handler finished with those answers."""
    await wait_until_group_past(bootstrap, "evaluate", marks, timeout_s)


async def score_rows(connection: asyncpg.Connection, variant: str) -> Counter:
    rows = await connection.fetch("SELECT request_id, metric FROM eval_scores WHERE variant = $1", variant)
    return Counter((row["request_id"], row["metric"]) for row in rows)


async def scored_events(stack, variant: str) -> Counter:
    records = await read_all(stack.config.bootstrap_servers, topics.ANSWER_SCORED)
    events = [AnswerScored.model_validate_json(value) for value in records]
    return Counter((e.request_id, e.metric) for e in events if e.variant == variant)


async def alerts_for(stack, tenant: str) -> list[AlertRaised]:
    records = await read_all(stack.config.bootstrap_servers, topics.ALERT_RAISED)
    alerts = [AlertRaised.model_validate_json(value) for value in records]
    return [alert for alert in alerts if alert.tenant == tenant]


@pytest.fixture
async def db(stack):
    connection = await asyncpg.connect(stack.config.database_url)
    yield connection
    await connection.close()


async def test_exactly_the_sampled_answers_are_scored_once_across_a_crash_and_redelivery(stack, tenant, db):
    bootstrap, rate = stack.config.bootstrap_servers, float(stack.config.extra_env["EVAL_SAMPLE_RATE"])
    variant = unique_variant()
    answers = [completed(tenant, variant, SUPPORTED) for _ in range(40)]
    sampled = {a.request_id for a in answers if is_sampled(a.request_id, rate)}
    assert 0 < len(sampled) < len(answers), "both sampled and unsampled answers are needed"
    once_each = Counter({(rid, metric): 1 for rid in sampled for metric in METRICS})

    await wait_until_evaluated(bootstrap, await publish(bootstrap, answers))
    assert await score_rows(db, variant) == once_each

    stack.services["evaluate"].kill()
    marks = await publish(bootstrap, answers)  # the same answers again, while the evaluator is down
    await asyncio.to_thread(stack.restart_service, "evaluate")
    await wait_until_evaluated(bootstrap, marks)

    assert await score_rows(db, variant) == once_each
    # The crash came after the first pass had committed, so redelivery finds every score stored: nothing
    # is published again. (A crash between publishing a score and committing its row would repeat it.)
    assert await scored_events(stack, variant) == once_each
    empty_prompt_sha = hashlib.sha256(b"").hexdigest()
    prompts = await db.fetch("SELECT DISTINCT judge_prompt_sha FROM eval_scores WHERE variant = $1", variant)
    assert [row["judge_prompt_sha"] for row in prompts] == [empty_prompt_sha]
    assert await db.fetchval("SELECT prompt FROM judge_prompts WHERE prompt_sha = $1", empty_prompt_sha) == ""


async def test_unsupported_answers_after_supported_ones_raise_one_drift_alert_even_across_a_restart(stack, tenant, db):
    bootstrap, env = stack.config.bootstrap_servers, stack.config.extra_env
    rate, window = float(env["EVAL_SAMPLE_RATE"]), int(env["EVAL_DRIFT_WINDOW"])
    baseline_window, max_drop = int(env["EVAL_DRIFT_BASELINE_WINDOW"]), float(env["EVAL_DRIFT_MAX_DROP"])
    variant = unique_variant()
    good = [completed(tenant, variant, SUPPORTED, rid) for rid in sampled_ids(window + baseline_window, rate)]
    bad = [completed(tenant, variant, UNSUPPORTED, rid) for rid in sampled_ids(window, rate)]

    await wait_until_evaluated(bootstrap, await publish(bootstrap, good))
    assert await alerts_for(stack, tenant) == [], "well-supported answers alone raised an alert"

    await wait_until_evaluated(bootstrap, await publish(bootstrap, bad))

    [alert] = await alerts_for(stack, tenant)
    assert alert.alert == "EvalQualityDrift" and alert.runbook == "runbooks/eval-quality-drift.md"
    assert "faithfulness" in alert.summary and variant in alert.summary
    assert alert.request_id in {a.request_id for a in bad}
    # The first check past max_drop raises it: n bad scores in the window give a drop of n/window.
    first_drop = next(n / window for n in range(1, window + 1) if n / window > max_drop + 1e-9)
    [state] = await db.fetch("SELECT * FROM drift_alerts WHERE variant = $1", variant)
    assert (state["metric"], state["closed_at"], state["request_id"]) == ("faithfulness", None, alert.request_id)
    assert state["baseline_mean"] == 1.0 and state["recent_mean"] == pytest.approx(1.0 - first_drop)
    assert "baseline mean 1.000" in alert.summary and f"recent mean {1.0 - first_drop:.3f}" in alert.summary

    stack.services["evaluate"].kill()
    await asyncio.to_thread(stack.restart_service, "evaluate")
    # Against the sliding windows these would drift again (bad recent scores, mostly good ones before them):
    # only the open alert stored in PostgreSQL keeps the restarted evaluator from raising it a second time.
    still_bad = [completed(tenant, variant, UNSUPPORTED, rid) for rid in sampled_ids(3, rate)]
    await wait_until_evaluated(bootstrap, await publish(bootstrap, still_bad))
    assert [a.event_id for a in await alerts_for(stack, tenant)] == [alert.event_id]
