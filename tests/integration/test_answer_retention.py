"""Questions and answers are kept for ANSWER_RETENTION_DAYS in the real PostgreSQL, then purged by the evaluator."""

import asyncio
import os
import uuid
from datetime import timedelta

import pytest

from libs.contracts.envelope import new_id, utcnow
from libs.contracts.questions import AnswerStatus, AskQuestion
from libs.stores.answers import AnswerLog
from libs.stores.postgres import open_pool
from services.evaluate import service
from services.evaluate.main import retention_purge
from services.evaluate.settings import EvaluateSettings
from services.guardrail.service import final_answer, initial_state

pytestmark = pytest.mark.integration

DATABASE_URL = os.environ.get("RAGBUS_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")


@pytest.fixture
async def pool():
    pool = await open_pool(DATABASE_URL)
    yield pool
    await pool.close()


async def store(pool, tenant: str, age: timedelta) -> str:
    """A request and its answer, as the guardrail writes them, dated `age` ago."""
    log = AnswerLog(pool)
    ask = AskQuestion(request_id=new_id(), tenant=tenant, question="How long is leave?", deadline=utcnow() + timedelta(seconds=30))
    await log.record_question(ask, ask.question)
    await log.finalise(final_answer(ask.request_id, tenant, initial_state(ask, ask.question), AnswerStatus.OK, "16 weeks"))
    await pool.execute("UPDATE requests SET received_at = now() - $2::interval WHERE request_id = $1", ask.request_id, age)
    await pool.execute("UPDATE answers SET completed_at = now() - $2::interval WHERE request_id = $1", ask.request_id, age)
    return ask.request_id


async def kept(pool, tenant: str, table: str) -> set[str]:
    return {row["request_id"] for row in await pool.fetch(f"SELECT request_id FROM {table} WHERE tenant = $1", tenant)}


async def test_questions_and_answers_older_than_the_retention_are_purged_and_newer_ones_kept(pool):
    tenant = f"t-{uuid.uuid4().hex[:10]}"
    old = await store(pool, tenant, timedelta(days=31))
    recent = await store(pool, tenant, timedelta(days=29))

    purged = await service.purge_expired(AnswerLog(pool), EvaluateSettings(answer_retention_days=30).retention())

    assert purged.requests >= 1 and purged.answers >= 1
    assert await kept(pool, tenant, "requests") == {recent} and await kept(pool, tenant, "answers") == {recent}
    assert old not in await kept(pool, tenant, "answers")


async def test_the_evaluator_purges_on_its_schedule_once_the_database_is_open(pool):
    tenant = f"t-{uuid.uuid4().hex[:10]}"
    old = await store(pool, tenant, timedelta(days=31))
    settings = EvaluateSettings(answer_retention_days=30, retention_purge_interval_s=0.05, database_url=DATABASE_URL)

    class Handlers:
        answer_log = None  # the database is not open yet: the first ticks do nothing

    handlers = Handlers()
    purge = retention_purge(handlers, settings)
    await purge.start()
    try:
        handlers.answer_log = AnswerLog(pool)
        for _ in range(100):
            if old not in await kept(pool, tenant, "answers"):
                break
            await asyncio.sleep(0.05)
    finally:
        await purge.stop()
    assert await kept(pool, tenant, "answers") == set() and await kept(pool, tenant, "requests") == set()

