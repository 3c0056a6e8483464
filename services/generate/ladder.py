"""The fallback ladder: each model rung in turn, with retries and a breaker, inside the request's deadline.

Every model call is an `Attempt` (its own child span, see `spans`); a call the API billed carries its
`Billing`, also when it was rejected (cut at `max_tokens`, no text), so the cost ledger sees every billed call.

Time: a rung may use `rung_share` of the time left (the last model rung all of it), minus `reserve_s`
kept for the offline rung and the hop to the guardrail. Each attempt's timeout is what is left of the
rung's budget; tenacity stops before a backoff or `retry-after` wait would overrun it.
"""

import asyncio
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

import pybreaker
import structlog
from opentelemetry import trace
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, stop_before_delay, wait_exponential_jitter
from tenacity.wait import wait_base

from libs.contracts.envelope import utcnow
from libs.models.billing import Billing
from libs.models.generation import Draft
from libs.models.model_errors import billed, is_retryable, reason_code, retry_after_s
from libs.models.prompts import Prompt
from libs.platform.telemetry import tracer
from services.generate.spans import ATTEMPT_SPAN, SERVED, attempt_attributes

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
class Attempt:
    """One model call: `outcome` is "served" or the reason code it failed with; `billing` None when the API
    billed nothing we can know of (an error status, a timeout, a body without readable usage)."""

    number: int  # 1, 2, ... over the whole ladder
    rung: str
    model: str
    outcome: str
    billing: Billing | None


@dataclass
class Attempts:
    """The calls of one generation, in order, each in its own span under the current one."""

    tracer: trace.Tracer = field(default_factory=tracer)
    made: list[Attempt] = field(default_factory=list)

    def add(self, rung: "ModelRung", outcome: str, billing: Billing | None, span: trace.Span) -> None:
        attempt = Attempt(len(self.made) + 1, rung.name, rung.caller.model, outcome, billing)
        self.made.append(attempt)
        span.set_attributes(attempt_attributes(attempt.model, attempt.rung, attempt.number, outcome, billing))

    def billed(self) -> list[Attempt]:
        return [attempt for attempt in self.made if attempt.billing is not None]


@dataclass(frozen=True)
class LadderResult:
    draft: Draft | None  # None: every model rung failed, the offline rung serves
    rung: str
    reason: str  # "primary:overloaded; secondary:breaker_open", empty when the first rung served
    attempts: int  # model calls made (a call the breaker refused is not one)
    billed: list[Attempt] = field(default_factory=list)  # the calls the API billed, the served one included


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


async def call_through_breaker(rung: ModelRung, prompt: Prompt, timeout_s: float, attempts: Attempts) -> Draft:
    with rung.breaker.calling():  # raises CircuitBreakerError while open; counts this call's outcome
        with attempts.tracer.start_as_current_span(ATTEMPT_SPAN) as span:
            try:
                async with asyncio.timeout(timeout_s):  # the whole call, whatever the HTTP client's own timeouts do
                    draft = await rung.caller.complete(prompt, timeout_s)
            except Exception as error:
                attempts.add(rung, reason_code(error), billed(error), span)
                raise
            attempts.add(rung, SERVED, draft.billing, span)
            return draft


async def try_rung(rung: ModelRung, prompt: Prompt, budget_s: float, policy: RetryPolicy,
                   attempts: Attempts) -> tuple[Draft | None, str]:
    """(draft, "") when the rung served; (None, reason code) when it gave up. Its calls are added to `attempts`."""
    before, ends_at = len(attempts.made), time.monotonic() + budget_s
    if budget_s < policy.min_attempt_s:
        return None, "no_time"
    try:
        async for attempt in retrying(rung, budget_s, policy):
            with attempt:
                timeout_s = min(policy.attempt_timeout_s, ends_at - time.monotonic())
                draft = await call_through_breaker(rung, prompt, timeout_s, attempts)
        return draft, ""
    except Exception as error:  # every failure moves the request down the ladder; none fails it
        calls = len(attempts.made) - before
        report = log.warning if calls else log.debug  # an open breaker is logged once, when it opens
        report("model rung gave up", model=rung.caller.model, rung=rung.name, reason=reason_code(error),
               calls=calls, error=repr(error)[:200])
        return None, reason_code(error)


async def climb(rungs: list[ModelRung], prompt: Prompt, deadline: datetime, timing: TimePolicy, policy: RetryPolicy,
                attempts: Attempts | None = None) -> LadderResult:
    attempts = attempts or Attempts()
    reasons = []
    for index, rung in enumerate(rungs):
        budget_s = rung_budget_s(deadline, len(rungs) - index, timing)
        draft, reason = await try_rung(rung, prompt, budget_s, policy, attempts)
        if draft is not None:
            return LadderResult(draft, rung.name, "; ".join(reasons), len(attempts.made), attempts.billed())
        reasons.append(f"{rung.name}:{reason}")
    return LadderResult(None, "offline", "; ".join(reasons), len(attempts.made), attempts.billed())
