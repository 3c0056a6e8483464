"""Admission control at the door (ADR 0015, option 2): refuse a question, without publishing it, when the backlog
ahead of it is already longer than its deadline allows.

The backlog is the input guardrail's lag on rag.question-asked.v1 (the first stage every question waits for, and
the one that saturates first), read in the background every `check_s` (libs/platform/consumer_lag.py), never per
question. Its length in seconds is that lag divided by the rate the guardrail drained it while it had a backlog
(the advance of its committed offsets over the last `window_s`); an idle consumer's rate is the arrival rate, not
its capacity, so idle intervals do not count.

What it cannot see, and how it errs:
- Tansu reports a partition's end offset as its last batch's first offset + 1 (ADR 0011), so the lag can be short
  by up to one batch per partition: admission errs towards admitting.
- Until a busy interval has been seen (the first `check_s` of a burst), the drain rate is unknown and questions
  are admitted; a reading older than `stale_after_s` (broker unreachable) admits too. The deadline still sheds
  what admission lets through (`expired`), so failing open loses nothing.
- A guardrail that drains nothing while a backlog waits (stopped, crashed) counts as `min_rate` per second.
"""

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from libs.contracts import topics
from libs.contracts.questions import AnswerCompleted, AnswerStatus, AskQuestion
from libs.platform.consumer_lag import GroupLagReader, GroupTopics, lag_by_topic
from libs.platform.periodic import Periodic

OVERLOADED = "overloaded"  # the reason code of a refused question (status `failed`)
INPUT = GroupTopics("guardrail", (topics.QUESTION_ASKED,))


@dataclass(frozen=True)
class Reading:
    at: float  # monotonic seconds
    lag: int  # messages waiting for the input guardrail
    consumed: int  # its committed offsets, summed over the partitions


class Backlog:
    """The latest lag and the drain rate of the readings within `window_s` (pure: readings come in from outside)."""

    def __init__(self, window_s: float = 5.0, min_rate: float = 1.0, stale_after_s: float = 5.0) -> None:
        self._readings: deque[Reading] = deque()
        self._window_s, self._min_rate, self._stale_after_s = window_s, min_rate, stale_after_s

    def add(self, reading: Reading) -> None:
        self._readings.append(reading)
        while len(self._readings) > 2 and reading.at - self._readings[0].at > self._window_s:
            self._readings.popleft()

    def drain_rate(self) -> float | None:
        """Messages per second consumed over the intervals that began with a backlog; None: no such interval."""
        busy = [(a, b) for a, b in zip(self._readings, list(self._readings)[1:]) if a.lag > 0 and b.at > a.at]
        if not busy:
            return None
        drained = sum(max(0, b.consumed - a.consumed) for a, b in busy)
        return max(self._min_rate, drained / sum(b.at - a.at for a, b in busy))

    def seconds(self, now: float) -> float:
        """The estimated wait ahead of a question published now (0: unknown, so nothing to refuse on)."""
        if not self._readings or now - self._readings[-1].at > self._stale_after_s or not self._readings[-1].lag:
            return 0.0
        rate = self.drain_rate()
        return 0.0 if rate is None else self._readings[-1].lag / rate


def admits(backlog_s: float, timeout_s: float, max_share: float) -> bool:
    """A question is admitted while the wait ahead of it is at most `max_share` of its deadline."""
    return backlog_s <= max_share * timeout_s


def refusal(ask: AskQuestion, backlog_s: float, timeout_s: float) -> AnswerCompleted:
    """The final answer of a question that was never published: `failed`, reason `overloaded`."""
    return AnswerCompleted(
        request_id=ask.request_id, tenant=ask.tenant, status=AnswerStatus.FAILED, reason=OVERLOADED,
        question=ask.question, variant=ask.variant,
        answer=f"Not asked: about {backlog_s:.1f} s of questions are waiting ahead of it, more than its "
               f"{timeout_s:g} s deadline allows. Try again later.",
    )


class AdmissionControl:
    """Keeps the backlog reading fresh in the background and decides per question from the latest one."""

    def __init__(self, client_options: dict, max_share: float, check_s: float = 0.5,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.max_share = max_share
        self.backlog = Backlog()
        self.refused = 0
        self._clock = clock
        self._reader = GroupLagReader(INPUT, client_options)
        self._ticker = Periodic("admission-backlog", self.read_once, check_s)

    async def read_once(self) -> None:
        end, committed, beginning = await self._reader.offsets()
        consumed = sum(beginning.get(p, 0) if offset is None else offset for p, offset in committed.items())
        lag = lag_by_topic(end, committed, beginning).get(topics.QUESTION_ASKED, 0)
        self.backlog.add(Reading(self._clock(), lag, consumed))

    def backlog_s(self) -> float:
        return self.backlog.seconds(self._clock())

    def admit(self, timeout_s: float) -> float | None:
        """None if the question may be published; otherwise the backlog (seconds) it was refused for."""
        backlog_s = self.backlog_s()
        if admits(backlog_s, timeout_s, self.max_share):
            return None
        self.refused += 1
        return backlog_s

    async def start(self) -> None:
        await self._ticker.start()

    async def stop(self) -> None:
        await self._ticker.stop()
        await self._reader.close()
