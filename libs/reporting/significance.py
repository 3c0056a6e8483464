"""Is a canary variant different from its control? A bootstrap confidence interval of the difference, and
the rollout decision it supports.

The interval: resample each variant's values with replacement (seeded, so a report is reproducible),
compute the statistic (mean, or median for latency) of each, and take the central `confidence` share of the
candidate-minus-control differences. The difference is significant when the interval excludes 0.
"""

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass

import numpy as np

RESAMPLES = 2000
CONFIDENCE = 0.95
MIN_SAMPLES = 30
CHUNK = 250  # resamples drawn at once: bounds memory for large samples
QUALITY, LATENCY, COST = "quality", "latency", "cost"
RULE = (
    f"roll back when a quality measure (an eval score, or the share of ok answers) is significantly lower for the "
    f"candidate; hold when a measure has fewer than {{min_samples}} values for either variant, or latency or cost "
    f"is significantly higher (a trade-off for a person to weigh); promote otherwise (enough samples, nothing "
    f"significantly worse). Significant: the {CONFIDENCE:.0%} bootstrap interval ({RESAMPLES} resamples) of "
    f"candidate − control excludes 0."
)


@dataclass(frozen=True)
class Interval:
    difference: float
    low: float
    high: float

    @property
    def significant(self) -> bool:
        return self.low > 0 or self.high < 0


def bootstrap_interval(control: Sequence[float], candidate: Sequence[float], statistic: Callable = np.mean,
                       resamples: int = RESAMPLES, confidence: float = CONFIDENCE, seed: int = 0) -> Interval:
    """Interval of statistic(candidate) − statistic(control); both samples must be non-empty."""
    a, b = np.asarray(control, dtype=float), np.asarray(candidate, dtype=float)
    rng = np.random.default_rng(seed)
    differences = np.concatenate([
        resampled(b, rng, size, statistic) - resampled(a, rng, size, statistic)
        for size in chunk_sizes(resamples)
    ])
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(differences, [tail, 100 - tail])
    return Interval(float(statistic(b) - statistic(a)), float(low), float(high))


def chunk_sizes(total: int) -> list[int]:
    return [min(CHUNK, total - start) for start in range(0, total, CHUNK)]


def resampled(values: np.ndarray, rng: np.random.Generator, resamples: int, statistic: Callable) -> np.ndarray:
    draws = values[rng.integers(0, len(values), size=(resamples, len(values)))]
    return statistic(draws, axis=1)


@dataclass(frozen=True)
class Comparison:
    measure: str
    kind: str
    statistic: str
    n_control: int
    n_candidate: int
    control: float | None
    candidate: float | None
    difference: float | None
    low: float | None
    high: float | None
    significant: bool
    verdict: str  # better / worse / no significant difference / too few samples

    def as_dict(self) -> dict:
        return asdict(self)


def compare(measure: str, kind: str, control: Sequence[float], candidate: Sequence[float],
            min_samples: int = MIN_SAMPLES) -> Comparison:
    name, statistic = ("median", np.median) if kind == LATENCY else ("mean", np.mean)
    n_a, n_b = len(control), len(candidate)
    a = float(statistic(control)) if n_a else None
    b = float(statistic(candidate)) if n_b else None
    if min(n_a, n_b) < max(min_samples, 2):
        return Comparison(measure, kind, name, n_a, n_b, a, b, None if a is None or b is None else b - a,
                          None, None, False, "too few samples")
    interval = bootstrap_interval(control, candidate, statistic)
    return Comparison(measure, kind, name, n_a, n_b, a, b, interval.difference, interval.low, interval.high,
                      interval.significant, verdict_of(interval, higher_is_better=kind == QUALITY))


def verdict_of(interval: Interval, higher_is_better: bool) -> str:
    if not interval.significant:
        return "no significant difference"
    return "better" if (interval.difference > 0) == higher_is_better else "worse"


@dataclass(frozen=True)
class Decision:
    action: str  # promote / hold / roll back
    reasons: list[str]
    rule: str


def decide(comparisons: Sequence[Comparison], min_samples: int = MIN_SAMPLES) -> Decision:
    rule = RULE.format(min_samples=min_samples)
    worse_quality = [c.measure for c in comparisons if c.kind == QUALITY and c.verdict == "worse"]
    if worse_quality:
        return Decision("roll back", [f"significantly lower: {', '.join(worse_quality)}"], rule)
    too_few = [c.measure for c in comparisons if c.verdict == "too few samples"]
    costlier = [c.measure for c in comparisons if c.kind != QUALITY and c.verdict == "worse"]
    reasons = ([f"too few samples: {', '.join(too_few)}"] if too_few else []) + (
        [f"significantly higher: {', '.join(costlier)}"] if costlier else [])
    if reasons or not comparisons:
        return Decision("hold", reasons or ["nothing to compare"], rule)
    better = [c.measure for c in comparisons if c.verdict == "better"]
    return Decision("promote", [f"significantly better: {', '.join(better)}" if better else
                                "no significant difference in any measure"], rule)
