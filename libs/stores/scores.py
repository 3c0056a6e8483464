"""Evaluation scores, one row per request, metric and judge."""

import asyncpg

from libs.contracts.questions import AnswerCompleted


class ScoreStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def add(self, answer: AnswerCompleted, metric: str, value: float | None, judge: str, judge_version: str) -> bool:
        """Insert the score; False when this request already has it (a redelivery), so nothing is counted twice."""
        inserted = await self._pool.fetchval(
            """INSERT INTO eval_scores (request_id, metric, judge, judge_version, value, tenant, variant)
               VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING RETURNING true""",
            answer.request_id, metric, judge, judge_version, value, answer.tenant, answer.variant,
        )
        return bool(inserted)
