"""`make chaos` figures: deadline misses, losses, duplicates and the delay the crashes caused over the baseline."""

from libs.chaos.crashes import cost_of_crashes, phase_figures


def test_a_request_misses_its_deadline_when_answered_late_expired_or_never():
    sent = {"on-time": 0.0, "late": 0.0, "expired": 0.0, "lost": 0.0, "twice": 0.0}
    seen = {"on-time": [(1.0, "ok")], "late": [(31.0, "ok")], "expired": [(2.0, "expired")],
            "twice": [(1.5, "ok"), (1.6, "ok")], "not-ours": [(1.0, "ok")]}

    figures = phase_figures(sent, seen, deadline_s=30)

    assert figures["sent"] == 5 and figures["lost"] == 1 and figures["delivered_twice"] == 1
    assert figures["answered"] == 3 and figures["explicitly_failed"] == 1
    assert figures["deadline_missed"] == 3
    assert figures["p99_ms"] == 31000.0


def test_the_delay_caused_is_the_crash_phase_minus_the_baseline():
    baseline = {"p50_ms": 100.0, "p99_ms": 400.0, "deadline_missed": 0}
    crashed = {"p50_ms": 150.0, "p99_ms": 2400.0, "deadline_missed": 2}

    assert cost_of_crashes(baseline, crashed) == {
        "p50_delay_caused_ms": 50.0, "p99_delay_caused_ms": 2000.0, "deadline_misses_caused": 2}


def test_no_answers_leave_the_percentiles_and_their_difference_empty():
    empty = phase_figures({"a": 0.0}, {}, deadline_s=30)

    assert empty["p99_ms"] is None and empty["lost"] == 1 and empty["deadline_missed"] == 1
    assert cost_of_crashes(empty, empty)["p99_delay_caused_ms"] is None
