"""The fallback ladder: each model rung in turn, with retries and a breaker, inside the request's deadline.

Time: a rung may use `rung_share` of the time left (the last model rung all of it), minus `reserve_s`
kept for the offline rung and the hop to the guardrail. Each attempt's timeout is what is left of the
rung's budget; tenacity stops before a backoff or `retry-after` wait would overrun it.
"""

import asyncio
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import pybreaker
import structlog
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, stop_before_delay, wait_exponential_jitter
from tenacity.wait import wait_base

from libs.contracts.envelope import utcnow
from libs.models.generation import Draft
from libs.models.model_errors import is_retryable, reason_code, retry_after_s
from libs.models.prompts import Prompt

log = structlog.get_logger(__name__)


class ModelCaller(Protocol):
    model: str

    async def complete(self, prompt: Prompt, timeout_s: float | None = None) -> Draft: ...


@dataclass(frozen=True)
class ModelRung:
    name: str
    caller: ModelCaller
    breaker: pybreaker.CircuitBreaker


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 3
    attempt_timeout_s: float = 30.0
    backoff_initial_s: float = 0.25
    backoff_max_s: float = 4.0
    min_attempt_s: float = 0.05  # no attempt is started with less time than this


@dataclass(frozen=True)
class TimePolicy:
    reserve_s: float = 0.5
    rung_share: float = 0.6


@dataclass(frozen=True)
class LadderResult:
    draft: Draft | None  # None: every model rung failed, the offline rung serves
    rung: str
    reason: str  # "primary:overloaded; secondary:breaker_open", empty when the first rung served
    attempts: int  # model calls made (a call the breaker refused is not one)


class WaitRetryAfter(wait_base):
    """The API's `retry-after` when it sent one, otherwise exponential backoff with jitter."""

    def __init__(self, fallback: wait_base) -> None:
        self._fallback = fallback

    def __call__(self, retry_state) -> float:
        error = retry_state.outcome.exception() if retry_state.outcome else None
        asked = retry_after_s(error) if error is not None else None
        return asked if asked is not None else self._fallback(retry_state)


def log_retry(rung: ModelRung):
    def before_sleep(retry_state) -> None:
        error = retry_state.outcome.exception()
        log.info("model call failed, retrying", model=rung.caller.model, attempt=retry_state.attempt_number,
                 reason=reason_code(error), sleep_s=round(retry_state.upcoming_sleep, 3))

    return before_sleep


def retrying(rung: ModelRung, budget_s: float, policy: RetryPolicy) -> AsyncRetrying:
    return AsyncRetrying(
        stop=stop_after_attempt(policy.max_attempts) | stop_before_delay(budget_s - policy.min_attempt_s),
        wait=WaitRetryAfter(wait_exponential_jitter(multiplier=policy.backoff_initial_s, max=policy.backoff_max_s)),
        retry=retry_if_exception(is_retryable),
        before_sleep=log_retry(rung),
        reraise=True,
    )


def seconds_left(deadline: datetime) -> float:
    return (deadline - utcnow()).total_seconds()


def rung_budget_s(deadline: datetime, model_rungs_left: int, timing: TimePolicy) -> float:
    available = seconds_left(deadline) - timing.reserve_s
    share = 1.0 if model_rungs_left <= 1 else timing.rung_share
    return max(0.0, available * share)


@dataclass
class Calls:
    made: int = 0


async def call_through_breaker(rung: ModelRung, prompt: Prompt, timeout_s: float, calls: Calls) -> Draft:
    with rung.breaker.calling():  # raises CircuitBreakerError while open; counts this call's outcome
        calls.made += 1
        async with asyncio.timeout(timeout_s):  # the whole call, whatever the HTTP client's own timeouts do
            return await rung.caller.complete(prompt, timeout_s)


async def try_rung(rung: ModelRung, prompt: Prompt, budget_s: float, policy: RetryPolicy) -> tuple[Draft | None, str, int]:
    """(draft, "", calls) when the rung served; (None, reason code, calls) when it gave up."""
    calls, ends_at = Calls(), time.monotonic() + budget_s
    if budget_s < policy.min_attempt_s:
        return None, "no_time", 0
    try:
        async for attempt in retrying(rung, budget_s, policy):
            with attempt:
                timeout_s = min(policy.attempt_timeout_s, ends_at - time.monotonic())
                draft = await call_through_breaker(rung, prompt, timeout_s, calls)
        return draft, "", calls.made
    except Exception as error:  # every failure moves the request down the ladder; none fails it
        report = log.warning if calls.made else log.debug  # an open breaker is logged once, when it opens
        report("model rung gave up", model=rung.caller.model, rung=rung.name, reason=reason_code(error),
               calls=calls.made, error=repr(error)[:200])
        return None, reason_code(error), calls.made


async def climb(rungs: list[ModelRung], prompt: Prompt, deadline: datetime, timing: TimePolicy, policy: RetryPolicy) -> LadderResult:
    reasons, attempts = [], 0
    for index, rung in enumerate(rungs):
        budget_s = rung_budget_s(deadline, len(rungs) - index, timing)
        draft, reason, calls = await try_rung(rung, prompt, budget_s, policy)
        attempts += calls
        if draft is not None:
            return LadderResult(draft, rung.name, "; ".join(reasons), attempts)
        reasons.append(f"{rung.name}:{reason}")
    return LadderResult(None, "offline", "; ".join(reasons), attempts)
