"""Evaluation data in PostgreSQL: scores with their judge prompt, drift alert state, human labels."""

import hashlib
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from datetime import datetime

import asyncpg

from libs.contracts.questions import AnswerCompleted
from libs.evaluation.drift import Comparison, Series
from libs.evaluation.human_labels import HumanLabel, LabelledScore
from libs.evaluation.judges import Judge, Score
from libs.stores.postgres import write_span


def prompt_sha(prompt: str) -> str:
    return hashlib.sha256(prompt.encode("utf-8")).hexdigest()


class ScoreStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    @asynccontextmanager
    async def recording(self, answer: AnswerCompleted, score: Score, judge: Judge) -> AsyncIterator[bool]:
        """Insert the score; yields False when the request already has it (a redelivery), so nothing counts twice.

        The row commits only after the body ran (it publishes the score): a crash in between rolls the row
        back, so the redelivered answer is scored and published again instead of never.
        """
        sha = prompt_sha(judge.prompt)
        async with self._pool.acquire() as connection, connection.transaction():
            with write_span("INSERT", "judge_prompts"):
                await connection.execute(
                    "INSERT INTO judge_prompts (prompt_sha, prompt) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                    sha, judge.prompt,
                )
            with write_span("INSERT", "eval_scores"):
                inserted = await connection.fetchval(
                    """INSERT INTO eval_scores (request_id, metric, judge, judge_version, value, tenant, variant,
                                                judge_prompt_sha, spread, repeats)
                       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING RETURNING true""",
                    answer.request_id, score.metric, judge.name, judge.version, score.value,
                    answer.tenant, answer.variant, sha, score.spread, score.repeats,
                )
            yield bool(inserted)

    async def latest_values(self, series: Series, limit: int) -> list[float]:
        """The series' most recent measured scores, newest first."""
        rows = await self._pool.fetch(
            """SELECT value FROM eval_scores
               WHERE metric = $1 AND variant = $2 AND judge = $3 AND value IS NOT NULL
               ORDER BY scored_at DESC, request_id DESC LIMIT $4""",
            series.metric, series.variant, series.judge, limit,
        )
        return [row["value"] for row in rows]


class DriftAlertStore:
    """At most one open alert per series, whichever evaluator instance or restart looks at it."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def open_baseline(self, series: Series) -> float | None:
        """The baseline mean the open alert was raised against; None when no alert is open."""
        return await self._pool.fetchval(
            """SELECT baseline_mean FROM drift_alerts
               WHERE metric = $1 AND variant = $2 AND judge = $3 AND closed_at IS NULL""",
            series.metric, series.variant, series.judge,
        )

    @asynccontextmanager
    async def opening(self, series: Series, comparison: Comparison, answer: AnswerCompleted) -> AsyncIterator[bool]:
        """Open an alert; yields False when one is already open. Commits after the body published it.

        A concurrent opener waits on the unique index until this commits, then finds the alert open.
        """
        async with self._pool.acquire() as connection, connection.transaction():
            with write_span("INSERT", "drift_alerts"):
                opened = await connection.fetchval(
                    """INSERT INTO drift_alerts (metric, variant, judge, baseline_mean, recent_mean, request_id, tenant)
                       VALUES ($1, $2, $3, $4, $5, $6, $7)
                       ON CONFLICT (metric, variant, judge) WHERE closed_at IS NULL DO NOTHING RETURNING true""",
                    series.metric, series.variant, series.judge, comparison.baseline_mean, comparison.recent_mean,
                    answer.request_id, answer.tenant,
                )
            yield bool(opened)

    async def close(self, series: Series) -> bool:
        with write_span("UPDATE", "drift_alerts"):
            closed = await self._pool.fetchval(
                """UPDATE drift_alerts SET closed_at = now()
                   WHERE metric = $1 AND variant = $2 AND judge = $3 AND closed_at IS NULL RETURNING true""",
                series.metric, series.variant, series.judge,
            )
        return bool(closed)


class HumanLabelStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def answers_to_label(
        self, since: datetime | None, limit: int, judged_by: str | None
    ) -> list[AnswerCompleted]:
        """Ok answers in a stable pseudo-random order (by hashed request id), so a sample spans the period."""
        rows = await self._pool.fetch(
            """SELECT answer FROM answers a
               WHERE status = 'ok' AND ($1::timestamptz IS NULL OR completed_at >= $1)
                 AND ($3::text IS NULL OR EXISTS (
                     SELECT 1 FROM eval_scores s WHERE s.request_id = a.request_id AND s.judge = $3))
               ORDER BY md5(request_id), request_id LIMIT $2""",
            since, limit, judged_by,
        )
        return [AnswerCompleted.model_validate_json(row["answer"]) for row in rows]

    async def unknown_request_ids(self, request_ids: Iterable[str]) -> set[str]:
        wanted = set(request_ids)
        rows = await self._pool.fetch("SELECT request_id FROM answers WHERE request_id = ANY($1::text[])", list(wanted))
        return wanted - {row["request_id"] for row in rows}

    async def save(self, labels: list[HumanLabel]) -> None:
        """Insert or replace each (request, annotator) label: importing the same file twice changes nothing."""
        async with self._pool.acquire() as connection, connection.transaction():
            with write_span("INSERT", "human_labels", batch_size=len(labels)):
                await connection.executemany(
                    """INSERT INTO human_labels (request_id, annotator, label_faithful, label_correct, notes)
                       VALUES ($1, $2, $3, $4, $5)
                       ON CONFLICT (request_id, annotator) DO UPDATE SET label_faithful = excluded.label_faithful,
                           label_correct = excluded.label_correct, notes = excluded.notes, imported_at = now()""",
                    [(l.request_id, l.annotator, l.label_faithful, l.label_correct, l.notes) for l in labels],
                )

    async def faithfulness_labels(self, judge: str) -> list[LabelledScore]:
        """Every human faithfulness label with the judge's score of the same answer (None: not scored or unmeasured)."""
        rows = await self._pool.fetch(
            """SELECT l.label_faithful, s.value FROM human_labels l
               LEFT JOIN eval_scores s ON s.request_id = l.request_id AND s.metric = 'faithfulness' AND s.judge = $1
               ORDER BY l.request_id, l.annotator""",
            judge,
        )
        return [LabelledScore(human=row["label_faithful"], judge_score=row["value"]) for row in rows]
