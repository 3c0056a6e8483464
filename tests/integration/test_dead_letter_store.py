"""Dead-letter rows in the real PostgreSQL: recorded once however often redelivered, counted by the report per
UTC day and reason within the period and tenant, purged after DEAD_LETTER_RETENTION_DAYS."""

import os
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from libs.contracts.envelope import new_id
from libs.reporting import dead_letters as report
from libs.reporting.period import Period
from libs.stores.dead_letters import DeadLetterRow, DeadLetterStore
from libs.stores.postgres import open_pool
from services.evaluate import service
from services.evaluate.settings import EvaluateSettings

pytestmark = pytest.mark.integration

DATABASE_URL = os.environ.get("RAGBUS_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
DAY_ONE = datetime(2026, 11, 24, tzinfo=UTC)


@pytest.fixture
async def pool():
    pool = await open_pool(DATABASE_URL)
    yield pool
    await pool.close()


def row(tenant: str | None, at: datetime, reason: str = "invalid_message", group: str = "guardrail",
        topic: str = "rag.question-asked.v1") -> DeadLetterRow:
    return DeadLetterRow(letter_id=new_id(), dead_lettered_at=at, source_topic=topic, source_partition=0,
                         source_offset=1, consumer_group=group, reason=reason, request_id=new_id(), tenant=tenant)


async def test_rows_are_recorded_once_and_counted_per_day_and_reason_within_the_period_and_tenant(pool):
    tenant, other = f"t-{uuid.uuid4().hex[:10]}", f"t-{uuid.uuid4().hex[:10]}"
    store = DeadLetterStore(pool)
    rows = [row(tenant, DAY_ONE + timedelta(hours=1)), row(tenant, DAY_ONE + timedelta(hours=23)),
            row(tenant, DAY_ONE + timedelta(days=1, hours=2), "processing_failed", "generate",
                "rag.context-retrieved.v1"),
            row(tenant, DAY_ONE + timedelta(days=1, hours=3)),
            row(tenant, DAY_ONE - timedelta(seconds=1)), row(tenant, DAY_ONE + timedelta(days=2)),  # outside
            row(other, DAY_ONE + timedelta(hours=5))]
    assert [await store.record(r) for r in rows] == [True] * len(rows)
    assert await store.record(rows[0]) is False  # a redelivered dead letter

    counted = await report.dead_letters(pool, Period(DAY_ONE, DAY_ONE + timedelta(days=2), tenant))

    assert counted["by_day"] == [
        {"day": "2026-11-24", "reason": "invalid_message", "consumer_group": "guardrail",
         "source_topic": "rag.question-asked.v1", "dead_letters": 2},
        {"day": "2026-11-25", "reason": "invalid_message", "consumer_group": "guardrail",
         "source_topic": "rag.question-asked.v1", "dead_letters": 1},
        {"day": "2026-11-25", "reason": "processing_failed", "consumer_group": "generate",
         "source_topic": "rag.context-retrieved.v1", "dead_letters": 1},
    ]
    assert counted["by_reason"] == {"invalid_message": 3, "processing_failed": 1} and counted["total"] == 4


async def test_rows_older_than_the_retention_are_purged_and_newer_ones_kept(pool):
    tenant = f"t-{uuid.uuid4().hex[:10]}"
    store = DeadLetterStore(pool)
    now = datetime.now(UTC)
    old, recent = row(tenant, now - timedelta(days=31)), row(tenant, now - timedelta(days=29))
    for r in (old, recent):
        await store.record(r)

    keep = EvaluateSettings(dead_letter_retention_days=30).dead_letter_retention()
    deleted = await service.purge_dead_letters(store, keep)

    assert deleted >= 1
    kept = {r["letter_id"] for r in await pool.fetch("SELECT letter_id FROM dead_letters WHERE tenant = $1", tenant)}
    assert kept == {recent.letter_id}
