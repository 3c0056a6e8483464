"""The request log and the one final answer per request, keyed by request id, kept for a retention period."""

from dataclasses import dataclass
from datetime import timedelta

import asyncpg

from libs.contracts.questions import AnswerCompleted, AskQuestion
from libs.stores.postgres import write_span


@dataclass(frozen=True)
class Purged:
    requests: int
    answers: int


class AnswerLog:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def record_question(self, ask: AskQuestion, question: str) -> None:
        """Log the request with `question` as screened by the guardrail (PII redacted), never the raw text."""
        with write_span("INSERT", "requests"):
            await self._pool.execute(
                """INSERT INTO requests (request_id, tenant, question, variant, reply_to, asked_at)
                   VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (request_id) DO NOTHING""",
                ask.request_id, ask.tenant, question, ask.variant, ask.reply_to, ask.occurred_at,
            )

    async def finalise(self, answer: AnswerCompleted) -> AnswerCompleted:
        """Store the answer unless one exists; return the stored one, so redelivery republishes the same answer."""
        with write_span("INSERT", "answers"):
            row = await self._pool.fetchrow(
                """WITH inserted AS (
                       INSERT INTO answers (request_id, tenant, status, answer) VALUES ($1, $2, $3, $4)
                       ON CONFLICT (request_id) DO NOTHING RETURNING answer)
                   SELECT answer FROM inserted
                   UNION ALL SELECT answer FROM answers WHERE request_id = $1 LIMIT 1""",
                answer.request_id, answer.tenant, answer.status.value, answer.model_dump_json(),
            )
        return AnswerCompleted.model_validate_json(row["answer"])

    async def find(self, request_id: str) -> AnswerCompleted | None:
        row = await self._pool.fetchrow("SELECT answer FROM answers WHERE request_id = $1", request_id)
        return AnswerCompleted.model_validate_json(row["answer"]) if row else None

    async def purge(self, keep: timedelta) -> Purged:
        """Delete requests received and answers completed longer than `keep` ago (their question and answer text).

        Scores, costs and human labels stay: they hold no question or answer text.
        """
        async with self._pool.acquire() as connection, connection.transaction():
            with write_span("DELETE", "answers"):
                answers = await connection.execute(
                    "DELETE FROM answers WHERE completed_at < now() - $1::interval", keep)
            with write_span("DELETE", "requests"):
                requests = await connection.execute(
                    "DELETE FROM requests WHERE received_at < now() - $1::interval", keep)
        return Purged(requests=_deleted(requests), answers=_deleted(answers))


def _deleted(status: str) -> int:
    """The row count of a DELETE command tag ("DELETE 12")."""
    return int(status.split()[-1])
