"""Admission control's decision (libs/client/admission.py): the backlog in seconds from lag readings, and the rule
that refuses a question whose deadline the backlog would use up."""

from libs.chaos.load_figures import Request, step_figures
from libs.client.admission import OVERLOADED, Backlog, Reading, admits, refusal
from libs.contracts.envelope import utcnow
from libs.contracts.questions import AnswerCompleted, AnswerStatus, AskQuestion


def backlog_of(*readings: tuple[float, int, int], **options) -> Backlog:
    backlog = Backlog(**options)
    for at, lag, consumed in readings:
        backlog.add(Reading(at, lag, consumed))
    return backlog


def test_no_reading_or_no_lag_means_no_backlog() -> None:
    assert Backlog().seconds(now=10.0) == 0.0
    assert backlog_of((0.0, 0, 100), (0.5, 0, 120)).seconds(now=0.6) == 0.0


def test_the_backlog_is_the_lag_over_the_rate_it_was_drained_at_while_busy() -> None:
    backlog = backlog_of((0.0, 0, 0), (1.0, 0, 5),  # idle: 5/s is the arrival rate, not the capacity
                         (2.0, 100, 10), (3.0, 120, 35), (4.0, 150, 60))  # busy: 25 consumed per second
    assert backlog.drain_rate() == 25.0
    assert backlog.seconds(now=4.2) == 6.0  # 150 waiting at 25/s


def test_a_first_backlog_without_a_busy_interval_yet_is_unknown_and_admits() -> None:
    assert backlog_of((0.0, 0, 0), (0.5, 300, 0)).seconds(now=0.6) == 0.0


def test_a_consumer_that_drains_nothing_counts_at_the_minimum_rate() -> None:
    backlog = backlog_of((0.0, 40, 7), (0.5, 60, 7), (1.0, 80, 7), min_rate=2.0)
    assert backlog.seconds(now=1.0) == 40.0


def test_readings_older_than_the_window_are_dropped() -> None:
    backlog = backlog_of((0.0, 10, 0), (1.0, 10, 100), (10.0, 10, 110), (11.0, 10, 120), window_s=5.0)
    assert backlog.drain_rate() == 10.0  # the 100/s of the first second is out of the window


def test_a_stale_reading_admits() -> None:
    backlog = backlog_of((0.0, 100, 0), (1.0, 100, 10), stale_after_s=5.0)
    assert backlog.seconds(now=2.0) == 10.0
    assert backlog.seconds(now=7.0) == 0.0


def test_a_question_is_admitted_while_the_backlog_is_within_its_share_of_the_deadline() -> None:
    assert admits(4.9, timeout_s=10.0, max_share=0.5)
    assert admits(5.0, timeout_s=10.0, max_share=0.5)
    assert not admits(5.1, timeout_s=10.0, max_share=0.5)
    assert not admits(31.0, timeout_s=30.0, max_share=1.0)


def test_a_refused_question_gets_a_failed_answer_with_reason_overloaded() -> None:
    ask = AskQuestion(request_id="r1", tenant="acme", question="q?", deadline=utcnow(), variant="v2")
    answer = refusal(ask, backlog_s=12.3, timeout_s=10.0)
    assert (answer.request_id, answer.tenant) == ("r1", "acme")
    assert (answer.status, answer.reason) == (AnswerStatus.FAILED, OVERLOADED)
    assert answer.variant == "v2" and "12.3 s" in answer.answer


def test_load_figures_count_refused_as_answered_but_not_in_latency_or_in_deadline_answers() -> None:
    requests = {rid: Request(scheduled=100.0, deadline=110.0, published=100.0) for rid in ("a", "b")}
    ok = AnswerCompleted(request_id="a", tenant="acme", status=AnswerStatus.OK, question="q", answer="x")
    ask = AskQuestion(request_id="b", tenant="acme", question="q", deadline=utcnow())
    received = {"a": (102.0, ok), "b": (100.0, refusal(ask, 20.0, 10.0))}
    step = step_figures(2.0, 1.0, requests, received)
    assert (step["sent"], step["answered"], step["lost"], step["refused"]) == (2, 2, 0, 1)
    assert step["by_status"]["failed"] == 0 and step["in_deadline_per_s"] == 1.0
    assert step["latency_ms"]["max"] == 2000.0
