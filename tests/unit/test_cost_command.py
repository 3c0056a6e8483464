"""`ragbus cost` arithmetic: generation and judge side by side per line, rates, and the monthly projection."""

import pytest
from typer.testing import CliRunner

from libs.client.cli import app
from libs.reporting.ledger_costs import by_purpose, projection

ROWS = [
    {"tenant": "acme", "purpose": "generation", "entries": 5, "answers": 4, "cost_usd": 0.02, "cache_hits": 1},
    {"tenant": "acme", "purpose": "judge", "entries": 2, "answers": 2, "cost_usd": 0.004, "cache_hits": 0},
    {"tenant": "globex", "purpose": "judge", "entries": 1, "answers": 1, "cost_usd": 0.001, "cache_hits": 0},
]


def test_each_tenant_gets_one_line_with_generation_and_judge_apart():
    acme, globex = by_purpose(ROWS, "tenant")
    assert (acme["tenant"], acme["answers"], acme["generation_usd"], acme["judge_usd"]) == ("acme", 4, 0.02, 0.004)
    assert acme["generation_per_answer_usd"] == pytest.approx(0.005) and acme["judge_per_answer_usd"] == pytest.approx(0.001)
    assert acme["cache_hit_rate"] == pytest.approx(0.2)
    assert (globex["answers"], globex["generation_per_answer_usd"], globex["cache_hit_rate"]) == (0, None, None)


def test_a_month_is_thirty_days_at_the_mean_cost_per_answer():
    acme = by_purpose(ROWS, "tenant")[0]
    month = projection(acme, 2 * 86_400, "2 requests/s")
    assert month["generation_usd"] == pytest.approx(0.005 * 172_800 * 30)
    assert month["total_usd"] == pytest.approx(month["generation_usd"] + 0.001 * 172_800 * 30)


def test_rate_and_per_day_together_are_refused():
    result = CliRunner().invoke(app, ["cost", "--rate", "1", "--per-day", "10"])
    assert result.exit_code != 0 and "not both" in result.output
