"""Score one sampled answer and watch its series for drift: plain async functions, dependencies passed in."""

from collections.abc import Awaitable, Callable
from datetime import timedelta

import structlog
from tenacity import AsyncRetrying, stop_after_attempt, wait_exponential_jitter

from libs.contracts.evaluation import AlertRaised, AnswerScored
from libs.contracts.questions import AnswerCompleted, AnswerStatus
from libs.evaluation.drift import Action, Comparison, DriftDetector, DriftPolicy, Series
from libs.evaluation.judges import Judge, Score
from libs.platform.sampling import is_sampled
from libs.stores.answers import AnswerLog, Purged
from libs.stores.dead_letters import UNREADABLE, DeadLetterRow, DeadLetterStore
from libs.stores.scores import DriftAlertStore, ScoreStore

ALERT_NAME = "EvalQualityDrift"
RUNBOOK = "runbooks/eval-quality-drift.md"
log = structlog.get_logger(__name__)


def should_score(answer: AnswerCompleted, sample_rate: float) -> bool:
    return answer.status == AnswerStatus.OK and is_sampled(answer.request_id, sample_rate)


async def record_scores(
    answer: AnswerCompleted, judge: Judge, scores: ScoreStore, publish: Callable[[AnswerScored], Awaitable[None]]
) -> list[Score]:
    """Store each score once and publish it; returns every score, also those a redelivery found stored."""
    results = await judge.score(answer)
    for score in results:
        async with scores.recording(answer, score, judge) as inserted:
            if inserted:
                await publish(scored_event(answer, score, judge))
    return results


def scored_event(answer: AnswerCompleted, score: Score, judge: Judge) -> AnswerScored:
    return AnswerScored(
        **answer.envelope_for_next(), metric=score.metric, value=score.value, judge=judge.name,
        judge_version=judge.version, variant=answer.variant, spread=score.spread, repeats=score.repeats,
    )


def measured_series(answer: AnswerCompleted, scores: list[Score], judge: Judge) -> list[Series]:
    return [Series(s.metric, answer.variant, judge.name) for s in scores if s.value is not None]


async def check_drift(
    answer: AnswerCompleted, series: Series, detector: DriftDetector, scores: ScoreStore, alerts: DriftAlertStore,
    publish: Callable[[AlertRaised], Awaitable[None]],
) -> Action:
    """Raise one alert when the series drifted, resolve it once it recovered; state lives in PostgreSQL."""
    values = await scores.latest_values(series, detector.policy.scores_needed)
    decision = detector.decide(values, await alerts.open_baseline(series))
    if decision.action is Action.RAISE:
        async with alerts.opening(series, decision.comparison, answer) as opened:
            if opened:
                await publish(drift_alert(answer, series, decision.comparison, detector.policy))
                log.warning("quality drift alert raised", metric=series.metric, variant=series.variant,
                            drop=decision.comparison.drop)
    elif decision.action is Action.RESOLVE and await alerts.close(series):
        log.info("quality drift resolved", metric=series.metric, variant=series.variant,
                 recent_mean=decision.comparison.recent_mean)
    return decision.action


def drift_alert(answer: AnswerCompleted, series: Series, comparison: Comparison, policy: DriftPolicy) -> AlertRaised:
    summary = (
        f"{series.metric} of variant {series.variant!r} dropped by {comparison.drop:.3f} "
        f"(more than {policy.max_drop}): "
        f"recent mean {comparison.recent_mean:.3f} over the last {policy.window} scores, "
        f"baseline mean {comparison.baseline_mean:.3f} over the {policy.baseline_window} before (judge {series.judge})"
    )
    return AlertRaised(**answer.envelope_for_next(), alert=ALERT_NAME, summary=summary, runbook=RUNBOOK)


async def purge_expired(answers: AnswerLog | None, keep: timedelta) -> Purged | None:
    """Delete questions and answers past their retention; None until the database is open."""
    if answers is None:
        return None
    purged = await answers.purge(keep)
    if purged.requests or purged.answers:
        log.info("expired questions and answers purged", requests=purged.requests, answers=purged.answers,
                 retention_days=keep / timedelta(days=1))
    return purged


async def record_dead_letter(row: DeadLetterRow, store: DeadLetterStore, attempts: int = 3) -> bool:
    """Store the dead letter's row once (False: a redelivery found it stored). The database is retried with
    backoff; if it still fails, the error propagates and the record is not acknowledged, so it comes back."""
    if row.reason == UNREADABLE:
        log.warning("unreadable record on the dead-letter topic recorded", letter_id=row.letter_id,
                    partition=row.source_partition, offset=row.source_offset)
    retrying = AsyncRetrying(stop=stop_after_attempt(attempts), wait=wait_exponential_jitter(multiplier=0.1, max=2.0),
                             reraise=True)
    return await retrying(store.record, row)


async def purge_dead_letters(store: DeadLetterStore | None, keep: timedelta) -> int | None:
    """Delete dead-letter rows past their retention; None until the database is open."""
    if store is None:
        return None
    deleted = await store.purge(keep)
    if deleted:
        log.info("expired dead-letter rows purged", rows=deleted, retention_days=keep / timedelta(days=1))
    return deleted
