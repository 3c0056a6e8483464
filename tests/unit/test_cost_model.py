"""The cost model's arithmetic (docs/cost-model.md): tokens × list price, the cache, the judge's share, months."""

import pytest

from libs.client.cli_cost_model import render
from libs.reporting.cost_model import Assumptions, Calls, call_cost, cost_model

SONNET = Calls("generation", "claude-sonnet-5-5", calls=10, input_tokens=1000, output_tokens=200, cache_hits=4)
HAIKU_JUDGE = Calls("judge", "claude-haiku-4-5", calls=6, input_tokens=500, output_tokens=20)


def test_a_call_costs_its_tokens_at_the_catalogue_price():
    assert call_cost("claude-sonnet-5-5", 1000, 200) == pytest.approx((1000 * 2 + 200 * 10) / 1e6)  # $0.004
    assert call_cost("claude-x", 1_000_000, 0, {"claude-x": (7.0, 9.0)}) == pytest.approx(7.0)
    with pytest.raises(ValueError, match="no price"):
        call_cost("claude-unknown", 1, 1)


def test_per_question_and_per_month_with_cache_and_judge():
    assume = Assumptions(cache_hit_rates=(0.0, 0.8), eval_sample_rate=0.1, judge_repeats=3,
                         volumes=(10_000, 1_000_000), days_per_month=30)
    data = cost_model([SONNET, HAIKU_JUDGE], assume)
    judge_call = (500 * 1 + 20 * 5) / 1e6  # $0.0006 per call
    no_cache, cached = data["scenarios"]
    assert no_cache["per_question"]["generation_usd"] == pytest.approx(0.004)
    assert cached["per_question"]["generation_usd"] == pytest.approx(0.004 * 0.2)
    assert no_cache["per_question"]["judge_usd"] == pytest.approx(0.1 * 3 * judge_call)  # the cache does not skip it
    assert cached["per_question"]["judge_usd"] == no_cache["per_question"]["judge_usd"]
    month = no_cache["per_month"][0]
    assert month["per_day"] == 10_000
    assert month["total_usd"] == pytest.approx((0.004 + 0.3 * judge_call) * 10_000 * 30)  # $1,254
    assert no_cache["per_month"][1]["total_usd"] == pytest.approx(month["total_usd"] * 100)


def test_the_configured_model_is_priced_and_a_missing_measurement_is_refused():
    haiku_answers = Calls("generation", "claude-haiku-4-5", 5, 1000, 200)
    data = cost_model([SONNET, haiku_answers], Assumptions(model="claude-haiku-4-5", cache_hit_rates=(0.0,)))
    assert data["scenarios"][0]["per_question"] == {"generation_usd": pytest.approx(0.002), "judge_usd": 0.0,
                                                    "total_usd": pytest.approx(0.002)}
    only_hits = Calls("generation", "claude-sonnet-5-5", calls=3, input_tokens=0, output_tokens=0, cache_hits=3)
    with pytest.raises(LookupError, match="claude-sonnet-5-5"):
        cost_model([only_hits], Assumptions())


def test_the_page_shows_every_volume_and_scenario():
    assume = Assumptions()
    page = render([SONNET, HAIKU_JUDGE], cost_model([SONNET, HAIKU_JUDGE], assume), assume, "test rows")
    for volume in ("10,000", "100,000", "1,000,000"):
        assert page.count(f"| {volume} |") == 2
    assert "fake Messages API" in page and "| 80% |" in page


def test_rejected_calls_are_paid_for_by_the_answers_served_not_counted_as_answers():
    # 8 answers served by model calls, 2 from the cache, 2 calls cut at max_tokens: the means were taken over the 8
    with_rejects = Calls("generation", "claude-sonnet-5-5", calls=12, input_tokens=1250, output_tokens=250,
                         cache_hits=2, rejected=2)
    judge = Calls("judge", "claude-haiku-4-5", calls=6, input_tokens=500, output_tokens=20, rejected=1)
    assert (with_rejects.answers, with_rejects.billed, judge.billed) == (8, 10, 6)
    data = cost_model([with_rejects, judge], Assumptions(cache_hit_rates=(0.0,)))
    assert data["scenarios"][0]["per_question"]["generation_usd"] == pytest.approx((1250 * 2 + 250 * 10) / 1e6)
    generation_basis, judge_basis = data["basis"]
    assert "per answer" in generation_basis and "8 answers" in generation_basis and "2 rejected" in generation_basis
    assert "per billed call" in judge_basis and "1 rejected" in judge_basis
    page = render([with_rejects, judge], data, Assumptions(cache_hit_rates=(0.0,)), "test rows")
    assert generation_basis in page and "| 12 | 2 | 2 |" in page


def test_a_model_whose_every_call_was_rejected_has_no_answer_to_measure():
    all_cut = Calls("generation", "claude-sonnet-5-5", calls=3, input_tokens=0, output_tokens=0, rejected=3)
    with pytest.raises(LookupError, match="claude-sonnet-5-5"):
        cost_model([all_cut], Assumptions())
