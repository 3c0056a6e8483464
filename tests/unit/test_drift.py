"""Drift: recent window against the baseline before it, one alert per episode."""

import pytest

from libs.evaluation.drift import Action, DriftDetector, DriftPolicy, compare, has_drifted

POLICY = DriftPolicy(window=4, baseline_window=6, max_drop=0.2)


def newest_first(baseline: list[float | None], recent: list[float | None]) -> list[float | None]:
    """Scores given oldest first, as they arrived, turned into what the store returns."""
    return list(reversed(baseline + recent))


def decide(scores: list[float | None], open_alert_baseline: float | None = None) -> Action:
    return DriftDetector(POLICY).decide(scores, open_alert_baseline).action


def test_stable_scores_raise_nothing():
    assert decide(newest_first([0.8] * 6, [0.8] * 4)) is Action.NOTHING


def test_a_drop_bigger_than_max_drop_raises():
    scores = newest_first([1.0] * 6, [1.0, 0.5, 0.5, 0.5])  # recent mean 0.625, drop 0.375
    decision = DriftDetector(POLICY).decide(scores, None)
    assert decision.action is Action.RAISE
    assert decision.comparison.baseline_mean == 1.0
    assert decision.comparison.recent_mean == pytest.approx(0.625)


def test_a_drop_smaller_than_max_drop_raises_nothing():
    assert decide(newest_first([1.0] * 6, [1.0, 1.0, 0.5, 1.0])) is Action.NOTHING  # drop 0.125


def test_a_drop_of_exactly_max_drop_raises_nothing():
    comparison = compare(newest_first([0.9] * 6, [0.7] * 4), POLICY)  # 0.9 - 0.7 is 0.20000000000000007
    assert not has_drifted(comparison, POLICY)


def test_unmeasured_scores_are_skipped_not_counted_as_zero():
    scores = newest_first([1.0, None, 1.0, 1.0, None, 1.0, 1.0, 1.0], [None, 1.0, 1.0, None, 1.0, 1.0])
    comparison = compare(scores, POLICY)
    assert (comparison.baseline_mean, comparison.recent_mean) == (1.0, 1.0)
    assert decide(scores) is Action.NOTHING


def test_windows_hold_only_measured_scores():
    scores = newest_first([1.0] * 6, [0.0, None, 0.0, 0.0, None, 0.0])
    assert compare(scores, POLICY).recent_mean == 0.0
    assert compare(scores, POLICY).baseline_mean == 1.0


def test_a_short_baseline_raises_nothing():
    scores = newest_first([1.0] * 5, [0.0] * 4)  # one measured score short
    assert compare(scores, POLICY) is None
    assert decide(scores) is Action.NOTHING
    assert decide(newest_first([1.0] * 5 + [None] * 3, [0.0] * 4)) is Action.NOTHING


def test_older_scores_beyond_both_windows_are_ignored():
    scores = newest_first([0.0] * 20 + [0.5] * 6, [0.5] * 4)
    assert decide(scores) is Action.NOTHING


def test_an_open_alert_is_not_raised_again_while_degraded():
    still_low = newest_first([0.3] * 6, [0.3] * 4)  # the sliding baseline filled with bad scores
    assert decide(still_low, open_alert_baseline=1.0) is Action.NOTHING


def test_an_open_alert_resolves_once_back_near_the_baseline_it_was_raised_against():
    assert decide(newest_first([0.3] * 6, [0.95] * 4), open_alert_baseline=1.0) is Action.RESOLVE
    assert decide(newest_first([0.3] * 6, [0.85] * 4), open_alert_baseline=1.0) is Action.NOTHING  # within hysteresis
