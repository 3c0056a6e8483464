"""The canary's evidence: bootstrap intervals of candidate − control, and the decision they support."""

import numpy as np
import pytest

from libs.reporting.significance import (
    COST, LATENCY, QUALITY, bootstrap_interval, compare, decide,
)


def normal(mean: float, n: int, seed: int, sd: float = 0.1) -> list[float]:
    return list(np.random.default_rng(seed).normal(mean, sd, n))


def test_samples_from_one_distribution_are_not_significantly_different():
    interval = bootstrap_interval(normal(0.8, 200, seed=1), normal(0.8, 200, seed=2))
    assert interval.low < 0 < interval.high
    assert not interval.significant


def test_a_real_shift_is_significant_and_its_interval_holds_the_true_difference():
    interval = bootstrap_interval(normal(0.80, 200, seed=1), normal(0.70, 200, seed=2))
    assert interval.significant
    assert interval.low < -0.1 < interval.high
    assert interval.high < 0


def test_the_interval_is_reproducible_for_the_same_samples():
    a, b = normal(0.5, 50, seed=3), normal(0.55, 50, seed=4)
    assert bootstrap_interval(a, b) == bootstrap_interval(a, b)


def test_latency_is_compared_by_median_so_one_outlier_does_not_decide():
    control = [100.0] * 60
    candidate = [100.0] * 59 + [60_000.0]
    comparison = compare("latency", LATENCY, control, candidate, min_samples=30)
    assert comparison.statistic == "median"
    assert comparison.difference == 0 and comparison.verdict == "no significant difference"


def test_lower_is_better_for_latency_and_cost_higher_for_quality():
    assert compare("cost", COST, [1.0, 1.1] * 20, [2.0, 2.1] * 20, min_samples=30).verdict == "worse"
    assert compare("latency", LATENCY, [100.0, 110.0] * 20, [50.0, 55.0] * 20, min_samples=30).verdict == "better"
    assert compare("faithfulness", QUALITY, [0.9, 1.0] * 20, [0.5, 0.6] * 20, min_samples=30).verdict == "worse"


def test_too_few_samples_are_reported_not_tested():
    comparison = compare("faithfulness", QUALITY, [1.0] * 40, [0.0] * 5, min_samples=30)
    assert comparison.verdict == "too few samples" and comparison.low is None
    assert comparison.difference == -1.0 and (comparison.n_control, comparison.n_candidate) == (40, 5)


def comparisons(**verdicts) -> list:
    samples = {"better": ([0.5, 0.6] * 20, [0.9, 1.0] * 20), "worse": ([0.9, 1.0] * 20, [0.5, 0.6] * 20),
               "same": ([0.5, 0.6] * 20, [0.6, 0.5] * 20), "few": ([0.5] * 40, [0.5] * 3)}
    kinds = {"quality": QUALITY, "latency": LATENCY, "cost": COST}
    result = []
    for name, verdict in verdicts.items():
        control, candidate = samples[verdict]
        if kinds[name] != QUALITY and verdict in ("better", "worse"):
            control, candidate = candidate, control  # lower is better
        result.append(compare(name, kinds[name], control, candidate, min_samples=30))
    return result


@pytest.mark.parametrize(("verdicts", "action"), [
    ({"quality": "worse", "latency": "better", "cost": "better"}, "roll back"),
    ({"quality": "worse", "latency": "few"}, "roll back"),
    ({"quality": "same", "latency": "worse"}, "hold"),
    ({"quality": "better", "cost": "worse"}, "hold"),
    ({"quality": "same", "latency": "few"}, "hold"),
    ({"quality": "same", "latency": "same", "cost": "same"}, "promote"),
    ({"quality": "better", "latency": "better"}, "promote"),
])
def test_decision(verdicts, action):
    decision = decide(comparisons(**verdicts))
    assert decision.action == action, decision.reasons
    assert "roll back when" in decision.rule and "30" in decision.rule


def test_nothing_to_compare_is_a_hold():
    assert decide([]).action == "hold"
