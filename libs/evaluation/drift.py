"""Quality drift: is the mean of the latest scores lower than the mean of the scores before them?

Per (metric, variant): the most recent `window` measured scores against the `baseline_window` scores
before them. Unmeasured scores (None) are skipped. An open alert stays open until the recent mean is
back near the baseline it was raised against, so a sustained drop is not "resolved" by the sliding
baseline filling up with bad scores.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

# Means of decimals are inexact: a drop of exactly max_drop must not alert because of the last bit.
TOLERANCE = 1e-9
# Resolving at half the alert threshold stops an alert flapping while the mean hovers at the threshold.
RECOVERY_SHARE = 0.5


@dataclass(frozen=True)
class Series:
    """The scores one judge gave one metric of one variant: what drift is computed over."""

    metric: str
    variant: str
    judge: str


@dataclass(frozen=True)
class DriftPolicy:
    window: int
    baseline_window: int
    max_drop: float

    @property
    def scores_needed(self) -> int:
        return self.window + self.baseline_window


@dataclass(frozen=True)
class Comparison:
    baseline_mean: float
    recent_mean: float

    @property
    def drop(self) -> float:
        return self.baseline_mean - self.recent_mean


class Action(StrEnum):
    RAISE = "raise"
    RESOLVE = "resolve"
    NOTHING = "nothing"


@dataclass(frozen=True)
class Decision:
    action: Action
    comparison: Comparison | None = None


def mean(values: Sequence[float]) -> float:
    return sum(values) / len(values)


def compare(newest_first: Sequence[float | None], policy: DriftPolicy) -> Comparison | None:
    """Recent window against the baseline before it; None while there are too few measured scores."""
    measured = [value for value in newest_first if value is not None]
    if len(measured) < policy.scores_needed:
        return None
    recent, baseline = measured[: policy.window], measured[policy.window : policy.scores_needed]
    return Comparison(baseline_mean=mean(baseline), recent_mean=mean(recent))


def has_drifted(comparison: Comparison, policy: DriftPolicy) -> bool:
    return comparison.drop > policy.max_drop + TOLERANCE


def has_recovered(comparison: Comparison, baseline_at_alert: float, policy: DriftPolicy) -> bool:
    return baseline_at_alert - comparison.recent_mean <= policy.max_drop * RECOVERY_SHARE + TOLERANCE


class DriftDetector:
    """Decides what to do with an alert for one (metric, variant), given its scores and the open alert."""

    def __init__(self, policy: DriftPolicy) -> None:
        self.policy = policy

    def decide(self, newest_first: Sequence[float | None], open_alert_baseline: float | None) -> Decision:
        comparison = compare(newest_first, self.policy)
        if comparison is None:
            return Decision(Action.NOTHING)
        if open_alert_baseline is None:
            drifted = has_drifted(comparison, self.policy)
            return Decision(Action.RAISE if drifted else Action.NOTHING, comparison)
        recovered = has_recovered(comparison, open_alert_baseline, self.policy)
        return Decision(Action.RESOLVE if recovered else Action.NOTHING, comparison)
