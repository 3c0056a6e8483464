"""The `ragbus report` page from collected data: embedded JSON, CSVs, plots that are not blank, an empty state."""

import base64
import csv
import io
import json
import re
from datetime import UTC, datetime

import numpy as np
import pytest
from PIL import Image

from libs.reporting.period import Period, period_from
from libs.reporting.significance import QUALITY, compare, decide
from libs.reporting.write import write_report
from libs.stores.dead_letters import UNREADABLE
from libs.testing.browser import chromium, colourful_share, drawn_share, screenshot

DAYS = ["2026-11-24", "2026-11-25", "2026-11-26"]
HOSTILE_TENANT = "acme</script><script>alert(1)</script>"
DATA_BLOCK = re.compile(r'<script type="application/json" id="report-data">(.*?)</script>', re.S)
PNG = re.compile(r'<img alt="([^"]*)" src="data:image/png;base64,([^"]+)"')


def canary() -> dict:
    comparison = compare("faithfulness (offline-lexical)", QUALITY, [0.9, 1.0] * 20, [0.8, 0.9] * 20, min_samples=30)
    decision = decide([comparison])
    return {"control": "default", "candidate": "concise", "variants": ["default", "concise"], "min_samples": 30,
            "comparisons": [comparison.as_dict()], "decision": decision.__dict__}


def stage_rows(day: str | None) -> list[dict]:
    rows = []
    for variant, slow in (("default", 1.0), ("concise", 1.5)):
        for stage, p50 in (("guardrail_in", 4.0), ("retrieve", 17.0), ("generate", 900.0), ("end_to_end", 950.0)):
            rows.append({"variant": variant, "stage": stage, "n": 40, "p50_ms": p50 * slow, "p99_ms": p50 * slow * 3}
                        | ({"day": day} if day else {}))
    return rows


def dead_letter_data() -> dict:
    by_day = [{"day": d, "reason": r, "consumer_group": g, "source_topic": t, "dead_letters": n}
              for d, rows in zip(DAYS, ((("invalid_message", "guardrail", "rag.question-asked.v1", 4),),
                                        (("invalid_message", "guardrail", "rag.question-asked.v1", 2),
                                         ("processing_failed", "generate", "rag.context-retrieved.v1", 3)),
                                        ((UNREADABLE, "evaluate-dead-letters", "ops.dead-lettered.v1", 1),)))
              for r, g, t, n in rows]
    return {"total": 10, "by_reason": {"invalid_message": 6, "processing_failed": 3, UNREADABLE: 1},
            "by_day": by_day, "note": "Dead letters by the day they were dead-lettered."}


def sample_data() -> dict:
    by_day = [{"day": d, "variant": v, "status": s, "answers": n}
              for d in DAYS for v, s, n in (("default", "ok", 30), ("default", "abstained", 5), ("concise", "ok", 12),
                                            ("default", "blocked", 2), ("concise", "expired", 1))]
    daily = [{"day": d, "variant": v, "metric": "faithfulness", "judge": "offline-lexical", "scores": 10,
              "measured": 10, "mean": m} for d in DAYS for v, m in (("default", 0.95), ("concise", 0.8))]
    return {
        "generated_at": "2026-11-26T12:00:00+00:00",
        "period": {"since": "2026-11-24T00:00:00+00:00", "until": "2026-11-27T00:00:00+00:00",
                   "tenant": HOSTILE_TENANT, "days": DAYS},
        "variants": ["concise", "default"],
        "answers": {"total": 150, "by_status": {"ok": 126, "abstained": 15, "blocked": 6, "failed": 0, "expired": 3},
                    "by_variant": {"default": 111, "concise": 39}, "by_day": by_day},
        "latency_ms": {"by_variant": stage_rows(None), "by_day": [r for d in DAYS for r in stage_rows(d)]},
        "eval": {"daily": daily, "band_rule": "rule",
                 "bands": [{"variant": "default", "metric": "faithfulness", "judge": "offline-lexical",
                            "measured": 50, "baseline_mean": 0.97, "low": 0.82, "high": 1.0}],
                 "drift_alerts": [{"alert_id": 1, "metric": "faithfulness", "variant": "concise",
                                   "judge": "offline-lexical", "baseline_mean": 0.97, "recent_mean": 0.78,
                                   "request_id": "r1", "tenant": "acme", "opened_at": "2026-11-25T10:00:00+00:00",
                                   "closed_at": None}]},
        "cost": {"generation_usd": 1.5, "by_purpose_usd": {"generation": 1.5, "judge": 0.1},
                 "spend": [{"purpose": "generation", "tenant": "acme", "variant": "default", "entries": 90,
                            "cost_usd": 1.5}],
                 "per_answer": [{"day": d, "variant": v, "answers": 40, "cost_usd": c, "cost_per_answer_usd": c / 40}
                                for d in DAYS for v, c in (("default", 0.4), ("concise", 0.1))],
                 "tenant_days": [{"day": d, "tenant": "acme", "generations": 40, "spent_usd": s, "budget_usd": 20.0,
                                  "budget_share": s / 20, "over_budget": s >= 20}
                                 for d, s in zip(DAYS, (5.0, 12.0, 21.0))]},
        "cache": {"by_day": [{"day": d, "variant": "default", "drafts": 35, "cache_hits": h}
                             for d, h in zip(DAYS, (3, 7, 12))]},
        "rungs": [{"variant": "default", "rung": "primary", "reason": "", "model": "claude", "answers": 90},
                  {"variant": "default", "rung": "offline", "reason": "primary:overloaded", "model": "x",
                   "answers": 15}],
        "dead_letters": dead_letter_data(),
        "human_agreement": {"judge": "offline-lexical", "labels": 20, "compared": 18, "unscored": 2,
                            "percent": 88.9, "kappa": 0.71},
        "canary": canary(),
    }


def empty_data() -> dict:
    data = sample_data()
    data["answers"] = {"total": 0, "by_status": dict.fromkeys(("ok", "abstained", "blocked", "failed", "expired"), 0),
                       "by_variant": {}, "by_day": []}
    data["latency_ms"] = {"by_variant": [], "by_day": []}
    data["eval"] |= {"daily": [], "bands": [], "drift_alerts": []}
    data["cost"] = {"generation_usd": 0.0, "by_purpose_usd": {}, "spend": [], "per_answer": [], "tenant_days": []}
    data["cache"], data["rungs"] = {"by_day": []}, []
    data["dead_letters"] |= {"total": 0, "by_reason": {}, "by_day": []}
    data["human_agreement"] |= {"labels": 0, "compared": 0, "unscored": 0, "percent": None, "kappa": None}
    data["canary"] = {"variants": [], "comparisons": [], "decision": None,
                      "note": "a canary needs two variants with answers in the period"}
    return data


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """Rendering takes a few seconds (matplotlib): each page is written once for the module."""
    pages = {}
    for name, data in (("full", sample_data()), ("empty", empty_data())):
        out = tmp_path_factory.mktemp(name)
        pages[name] = (write_report(data, out).read_text(encoding="utf-8"), out, data)
    return pages


def embedded(page: str) -> dict:
    [block] = DATA_BLOCK.findall(page)
    return json.loads(block)


def grey_pixels(encoded: str) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(encoded))).convert("L"), dtype=float)


def test_the_page_embeds_exactly_the_collected_data_and_escapes_it(written):
    page, out, data = written["full"]
    assert embedded(page) == data == json.loads((out / "report-data.json").read_text(encoding="utf-8"))
    assert "<script>alert(1)" not in page


def test_every_plot_decodes_and_is_not_blank(written):
    page, _, _ = written["full"]
    images = PNG.findall(page)
    assert [alt for alt, _ in images] == ["answers by status", "online eval scores", "latency per stage",
                                          "cost per answer and per tenant", "cache hit rate and rungs",
                                          "dead letters by reason", "canary comparison"]
    for alt, encoded in images:
        pixels = grey_pixels(encoded)
        assert pixels.shape[0] > 150 and pixels.shape[1] > 300, alt
        # Drawn bars, lines and markers: a share of pixels clearly darker than the white background.
        assert (pixels < 200).mean() > 0.01, f"{alt} looks empty"


def test_the_numbers_behind_each_plot_are_csv_files(written):
    page, out, data = written["full"]
    with (out / "answers_by_day.csv").open(newline="", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    assert sum(int(row["answers"]) for row in rows) == data["answers"]["total"]
    for name in ("eval_daily.csv", "latency_by_variant.csv", "cost_tenant_days.csv", "canary.csv", "rungs.csv",
                 "dead_letters_by_day.csv"):
        assert (out / name).exists() and f'href="{name}"' in page


def test_dead_letters_by_reason_and_day_are_in_the_page_and_the_csv(written):
    page, out, data = written["full"]
    with (out / "dead_letters_by_day.csv").open(newline="", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    assert sum(int(row["dead_letters"]) for row in rows) == data["dead_letters"]["total"] == 10
    expected = {(r["day"], r["reason"]) for r in data["dead_letters"]["by_day"]}
    assert {(row["day"], row["reason"]) for row in rows} == expected
    assert "<td>processing_failed</td><td>3</td>" in page and "<td>all</td><td>10</td>" in page
    assert "dead letters<b>10</b>" in page


def test_the_page_shows_the_canary_decision_and_its_rule(written):
    page, _, data = written["full"]
    action = data["canary"]["decision"]["action"]
    assert action == "roll back"  # faithfulness 0.95 → 0.85 over 40 answers each
    assert f'class="decision roll-back">roll back<' in page and "Rule: roll back when" in page


def test_an_empty_period_says_so_and_still_renders_every_section(written):
    page, out, _ = written["empty"]
    assert "No data in this period" in page
    assert page.count("<section>") == 9
    assert embedded(page)["answers"]["total"] == 0
    assert (out / "answers_by_day.csv").read_text(encoding="utf-8").strip() == ""
    for alt, encoded in PNG.findall(page):
        assert grey_pixels(encoded).std() > 0, alt  # the message figure: words, not empty axes


def test_period_defaults_to_the_days_before_now_and_lists_each_day():
    now = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    period = period_from(None, None, 2, now=now)
    assert (period.since, period.until) == (datetime(2026, 11, 24, 12, tzinfo=UTC), now)
    assert [d.isoformat() for d in period.days()] == ["2026-11-24", "2026-11-25", "2026-11-26"]
    naive = period_from(datetime(2026, 11, 1), datetime(2026, 11, 2), 7)
    assert naive.since.tzinfo is UTC and [d.isoformat() for d in naive.days()] == ["2026-11-01"]
    with pytest.raises(ValueError):
        Period(now, now)


@pytest.mark.skipif(chromium() is None, reason="chromium is not installed (Debian package `chromium`; .ci/run installs it)")
def test_chromium_draws_the_plots_and_an_empty_period_draws_none(written, tmp_path):
    """The page as a browser shows it: the plots are drawn (coloured pixels), not broken images on white."""
    full = screenshot(written["full"][1] / "report.html", tmp_path / "full.png")
    empty = screenshot(written["empty"][1] / "report.html", tmp_path / "empty.png")
    assert drawn_share(full) > 0.03 and colourful_share(full) > 0.005, (drawn_share(full), colourful_share(full))
    assert colourful_share(empty) < colourful_share(full) / 5
