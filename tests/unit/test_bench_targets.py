"""The benchmark's arithmetic: latency summaries, the in-process ceiling, targets met, missed or not measured, and a
request split per consumer from its trace."""

from libs.bench.figures import attempts_of, ceiling, latency_summary
from libs.bench.legs import leg_breakdown
from libs.bench.targets import RAGBUS_HOP, RAW_CHAIN, RAW_HOP, Target, ratio, targets


def hops(raw=(10.0, 20.0), ragbus=(10.5, 26.0), chain=(40.0, 60.0)) -> dict:
    as_dict = lambda p: {"p50_ms": p[0], "p99_ms": p[1], "n": 100}
    return {RAW_HOP: as_dict(raw), RAGBUS_HOP: as_dict(ragbus), RAW_CHAIN: as_dict(chain), "chain_relays": 4}


def test_a_retried_answer_is_kept_out_of_the_single_pass_figures():
    summary = latency_summary([100, 300, 110], [{"retrieve": 50}, {"retrieve": 60}, {"retrieve": 70, "generate": 1}],
                              [1, 2, 1], ["ok", "abstained", "ok"], ["m", "m", "m"])
    assert summary["single_pass"] == {"p50_ms": 100, "p99_ms": 110, "n": 2}
    assert (summary["p50_ms"], summary["p99_ms"], summary["retried"]) == (110, 300, 1)
    assert summary["stages"]["generate"]["n"] == 1
    assert summary["statuses"] == {"ok": 2, "abstained": 1}


def test_attempts_are_counted_from_the_retry_marks_in_stage_ms():
    assert attempts_of({"retrieve": 5.0}) == 1
    assert attempts_of({"retrieve": 5.0, "attempt_1": 90.0}) == 2


def test_the_ceiling_is_the_better_of_one_worker_and_all_workers():
    assert ceiling({"answers_per_s": 12.0}, {"answers_per_s": 7.0, "workers": 2})["answers_per_s"] == 12.0
    assert ceiling({"answers_per_s": 12.0}, {"answers_per_s": 20.0, "workers": 2})["from"] == "2 workers at once"


def test_each_target_is_judged_against_its_own_limit_and_direction():
    result = {"hops": hops(), "pipeline_fake_model": {"single_pass": {"p50_ms": 52.0}},
              "saturation": {"answers_per_s": 9.0}, "in_process": {"ceiling": {"answers_per_s": 10.0}},
              "memory_after_load": {"broker": {"peak_rss_mb": 30.0}, "guardrail": {"peak_rss_mb": 500.0}}}
    verdicts = {row["name"]: (row["measured"], row["verdict"]) for row in (t.row() for t in targets(result))}
    assert verdicts["ragbus hop ÷ raw hop, p50"] == (1.05, "met")
    assert verdicts["ragbus hop ÷ raw hop, p99"] == (1.3, "missed")
    assert verdicts["pipeline (fake model) ÷ raw chain, p50"] == (1.3, "missed")
    assert verdicts["pipeline throughput ÷ in-process stages' best"] == (0.9, "met")
    assert verdicts["whole stack peak RSS under load, MB"] == (530.0, "met")


def test_the_verdict_is_taken_before_rounding():
    assert Target("hop", 16.794856 / 15.210082, 1.10).verdict == "missed"  # 1.104, shown as 1.104
    assert Target("hop", 16.794856 / 15.210082, 1.10).row()["measured"] == 1.104


def test_a_part_that_did_not_run_is_not_measured_rather_than_met():
    assert {t.verdict for t in targets({"hops": hops()})[2:]} == {"not measured"}
    assert ratio(5.0, None) is None and ratio(None, 5.0) is None
    assert Target("x", None, 1.0).verdict == "not measured"


def span(span_id, parent, name, kind, service, start_ms, end_ms, trace="t1") -> dict:
    return {"trace_id": trace, "span_id": span_id, "parent_id": parent, "name": name, "kind": kind,
            "service": service, "start_ns": int(start_ms * 1e6), "end_ns": int(end_ms * 1e6)}


def request_trace(trace: str = "t1") -> list[dict]:
    """client → guardrail → retrieve → generate → guardrail, 10 ms per consumer, 2 ms waits between them."""
    topics = ["rag.question-asked.v1", "rag.question-screened.v1", "rag.context-retrieved.v1", "rag.answer-drafted.v1"]
    services = ["guardrail", "retrieve", "generate", "guardrail"]
    spans = [span("c0", None, f"{topics[0]} create", "CONSUMER", "guardrail", 0, 0, trace)]
    start = 0.0
    for n, (topic, service) in enumerate(zip(topics, services)):
        parent = "c0" if n == 0 else f"create{n - 1}"
        spans += [span(f"p{n}", parent, f"{topic} process", "CONSUMER", service, start, start + 10, trace),
                  span(f"s{n}", f"p{n}", "stage", "INTERNAL", service, start + 1, start + 6, trace),
                  span(f"create{n}", f"p{n}", "next create", "PRODUCER", service, start + 6, start + 6.5, trace),
                  span(f"pub{n}", f"create{n}", "next publish", "PRODUCER", service, start + 6.5, start + 8, trace)]
        start += 10 + 2 + 2  # the next process starts 2 ms after this one ended, 4 ms after its publish ended
    return spans


def test_a_request_is_split_into_wait_stage_publish_and_rest_per_consumer():
    breakdown = leg_breakdown(request_trace())
    assert breakdown["requests"] == 1
    asked, retrieved = breakdown["legs"]["rag.question-asked.v1"], breakdown["legs"]["rag.context-retrieved.v1"]
    assert asked == {"wait": None, "stage": 5.0, "publish": 2.0, "rest": 3.0}  # the client is not traced
    assert retrieved == {"wait": 6.0, "stage": 5.0, "publish": 2.0, "rest": 3.0}


def test_a_retried_request_is_left_out_of_the_breakdown():
    retried = request_trace("t2") + [span("again", "create3", "rag.question-screened.v1 process", "CONSUMER",
                                          "retrieve", 60, 70, "t2")]
    assert leg_breakdown(request_trace() + retried)["requests"] == 1
