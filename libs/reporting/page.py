"""The report page: headline numbers, one section per question a reader has, every plot with its table,
and the collected data embedded as JSON (`<script type="application/json" id="report-data">`)."""

import json
from collections.abc import Sequence

from libs.evaluation.report import STYLE, esc, figure_as_img, format_measurement, section, table
from libs.reporting import plots
from libs.reporting.operations import STATUSES

EXTRA_STYLE = """
.cards { display: flex; flex-wrap: wrap; gap: .6rem; margin: 1rem 0; }
.card { border: 1px solid #d0d7de; border-radius: 6px; padding: .5rem .8rem; min-width: 9rem; }
.card b { display: block; font-size: 1.3rem; }
.empty { background: #fff8c5; border: 1px solid #d4a72c; padding: .8rem; border-radius: 6px; font-weight: bold; }
.note { color: #57606a; font-size: .9rem; }
.decision { display: inline-block; font-weight: bold; font-size: 1.2rem; padding: .3rem .9rem; border-radius: 6px;
            color: white; background: #6e7781; }
.decision.promote { background: #1a7f37; } .decision.roll-back { background: #cf222e; }
.decision.hold { background: #bf8700; }
"""
MAX_VARIANT_PANELS = 4


def data_script(data: dict) -> str:
    """JSON inside <script>: `<` escaped so no text in the data can close the element."""
    text = json.dumps(data, sort_keys=True).replace("<", "\\u003c")
    return f'<script type="application/json" id="report-data">{text}</script>'


def cell(column: str, value) -> str:
    if isinstance(value, float) and not column.endswith(("_usd", "_ms")):
        return f"{value:.4g}"
    return format_measurement(column, value) if isinstance(value, float) else ("" if value is None else str(value))


def dict_table(rows: Sequence[dict], columns: Sequence[str], limit: int = 200) -> str:
    if not rows:
        return '<p class="note">no rows</p>'
    shown = table(columns, ([cell(c, row.get(c)) for c in columns] for row in rows[:limit]))
    more = f'<p class="note">{len(rows) - limit} more rows in the CSV</p>' if len(rows) > limit else ""
    return shown + more


def card(label: str, value: str) -> str:
    return f'<div class="card">{esc(label)}<b>{esc(value)}</b></div>'


def headline(data: dict) -> str:
    answers, cost = data["answers"], data["cost"]
    total = answers["total"]
    ok = answers["by_status"].get("ok", 0)
    drafts = sum(r["drafts"] for r in data["cache"]["by_day"])
    hits = sum(r["cache_hits"] for r in data["cache"]["by_day"])
    open_alerts = sum(1 for a in data["eval"]["drift_alerts"] if a["closed_at"] is None)
    cards = [card("answers", str(total)), card("ok", f"{ok / total:.1%}" if total else "n/a"),
             card("generation cost", f"${cost['generation_usd']:.4f}"),
             card("cache hit rate", f"{hits / drafts:.1%}" if drafts else "n/a"),
             card("drift alerts open", str(open_alerts)), card("dead letters", str(data["dead_letters"]["total"]))]
    return f'<div class="cards">{"".join(cards)}</div>'


def is_empty(data: dict) -> bool:
    return (not data["answers"]["total"] and not data["eval"]["daily"] and not data["cost"]["spend"]
            and not data["dead_letters"]["total"])


def header(data: dict) -> str:
    period = data["period"]
    scope = f"tenant {period['tenant']}" if period["tenant"] else "all tenants"
    lines = [f"<h1>ragbus quality, latency and cost</h1>",
             f"<p>{esc(period['since'])} → {esc(period['until'])} (UTC, until excluded) · {esc(scope)} · "
             f"generated {esc(data['generated_at'])}</p>"]
    if is_empty(data):
        lines.append('<p class="empty">No data in this period: no answers, eval scores, model spend or dead '
                     "letters were recorded between these instants. Widen the period (--days, --since/--until) "
                     "or check --database-url.</p>")
    return "<header>" + "".join(lines) + headline(data) + "</header>"


def answers_section(data: dict) -> str:
    answers = data["answers"]
    per_variant = {}
    for row in answers["by_day"]:
        counts = per_variant.setdefault(row["variant"], dict.fromkeys(STATUSES, 0))
        counts[row["status"]] = counts.get(row["status"], 0) + row["answers"]
    rows = [[variant, *(str(counts.get(s, 0)) for s in STATUSES), str(sum(counts.values()))]
            for variant, counts in sorted(per_variant.items())]
    totals = ["all", *(str(answers["by_status"].get(s, 0)) for s in STATUSES), str(answers["total"])]
    return figure_as_img(plots.status_figure(answers["by_day"], data["period"]["days"]), "answers by status") + \
        table(["variant", *STATUSES, "total"], [*rows, totals])


def eval_section(data: dict) -> str:
    ev = data["eval"]
    figure = figure_as_img(plots.eval_figure(ev["daily"], ev["bands"], ev["drift_alerts"], data["period"]["days"]),
                           "online eval scores")
    return (figure + f'<p class="note">Band: {esc(ev["band_rule"])}. Red X: a drift alert opened that day '
            f'(at its recent mean). Runbook: runbooks/eval-quality-drift.md.</p>'
            + "<h3>Daily means</h3>" + dict_table(ev["daily"], ["day", "variant", "metric", "judge", "scores",
                                                                "measured", "mean"])
            + "<h3>Drift alerts open during the period</h3>"
            + dict_table(ev["drift_alerts"], ["alert_id", "metric", "variant", "judge", "baseline_mean",
                                              "recent_mean", "opened_at", "closed_at", "tenant", "request_id"]))


def busiest_variants(data: dict) -> list[str]:
    per_variant = data["answers"]["by_variant"]
    return sorted(per_variant, key=lambda v: (-per_variant[v], v))[:MAX_VARIANT_PANELS]


def latency_section(data: dict) -> str:
    latency = data["latency_ms"]
    figure = figure_as_img(plots.latency_figure(latency["by_variant"], busiest_variants(data)), "latency per stage")
    return (figure + '<p class="note">Nearest-rank percentiles of the stage times each answer carries '
            "(stage_ms) and of its end-to-end time (total_ms), log scale.</p>"
            + dict_table(latency["by_variant"], ["variant", "stage", "n", "p50_ms", "p99_ms"])
            + "<h3>Per day</h3>" + dict_table(latency["by_day"], ["day", "variant", "stage", "n", "p50_ms", "p99_ms"]))


def cost_section(data: dict) -> str:
    cost, days = data["cost"], data["period"]["days"]
    figure = figure_as_img(plots.cost_figure(cost["per_answer"], cost["tenant_days"], days, busiest_variants(data)),
                           "cost per answer and per tenant")
    purposes = ", ".join(f"{p} ${v:.4f}" for p, v in cost["by_purpose_usd"].items()) or "nothing recorded"
    return (figure + f"<p>Spend recorded in the period: {esc(purposes)} (judge spend does not count against "
            "budgets).</p>" + "<h3>Per answer</h3>"
            + dict_table(cost["per_answer"], ["day", "variant", "answers", "cost_usd", "cost_per_answer_usd"])
            + "<h3>Per tenant and UTC day (whole days) against the daily budget</h3>"
            + dict_table(cost["tenant_days"], ["day", "tenant", "generations", "spent_usd", "budget_usd",
                                               "budget_share", "over_budget"]))


def generation_section(data: dict) -> str:
    figure = figure_as_img(plots.cache_and_rungs_figure(data["cache"]["by_day"], data["rungs"], data["period"]["days"],
                                                        busiest_variants(data)), "cache hit rate and rungs")
    return (figure + dict_table(data["cache"]["by_day"], ["day", "variant", "drafts", "cache_hits"])
            + "<h3>Rungs, reasons and models</h3>"
            + dict_table(data["rungs"], ["variant", "rung", "reason", "model", "answers"]))


def dead_letters_section(data: dict) -> str:
    letters = data["dead_letters"]
    figure = figure_as_img(plots.dead_letter_figure(letters["by_day"], data["period"]["days"]),
                           "dead letters by reason")
    totals = [{"reason": reason, "dead_letters": n} for reason, n in letters["by_reason"].items()]
    return (figure + f'<p class="note">{esc(letters["note"])}</p>'
            + "<h3>By reason</h3>" + dict_table([*totals, {"reason": "all", "dead_letters": letters["total"]}],
                                                ["reason", "dead_letters"])
            + "<h3>Per day, reason, consumer group and source topic</h3>"
            + dict_table(letters["by_day"], ["day", "reason", "consumer_group", "source_topic", "dead_letters"]))


def agreement_section(data: dict) -> str:
    h = data["human_agreement"]
    if not h["labels"]:
        return (f'<p class="note">No human labels for answers in this period (judge {esc(h["judge"])}). Label a '
                "sample with `ragbus labels export|import`.</p>")
    summary = {"judge": h["judge"], "labels": h["labels"], "compared": h["compared"], "unscored": h["unscored"],
               "percent": h["percent"], "kappa": h["kappa"]}
    return dict_table([summary], list(summary)) + '<p class="note">Faithfulness; judge score ≥ 0.5 counts as ' \
        "faithful. Cohen's kappa below ~0.4: treat the judge's drift alerts as hints.</p>"


def canary_section(data: dict) -> str:
    canary = data["canary"]
    if not canary.get("decision"):
        return f'<p class="note">{esc(canary.get("note"))}</p>'
    decision = canary["decision"]
    badge = f'<p><span class="decision {decision["action"].replace(" ", "-")}">{esc(decision["action"])}</span> ' \
            f'candidate {esc(canary["candidate"])} against control {esc(canary["control"])}: ' \
            f'{esc("; ".join(decision["reasons"]))}</p>'
    return (badge + f'<p class="note">Rule: {esc(decision["rule"])}</p>'
            + figure_as_img(plots.canary_figure(canary), "canary comparison")
            + dict_table(canary["comparisons"], ["measure", "statistic", "n_control", "n_candidate", "control",
                                                 "candidate", "difference", "low", "high", "verdict"]))


def files_section(files: Sequence[str]) -> str:
    return "<ul>" + "".join(f'<li><a href="{esc(name)}">{esc(name)}</a></li>' for name in files) + "</ul>"


def render(data: dict, files: Sequence[str]) -> str:
    body = "".join([
        header(data),
        section("Answers by status", answers_section(data)),
        section("Online evaluation", eval_section(data)),
        section("Latency", latency_section(data)),
        section("Cost", cost_section(data)),
        section("Generation cache and fallback ladder", generation_section(data)),
        section("Dead letters", dead_letters_section(data)),
        section("Human labels against the judge", agreement_section(data)),
        section("Canary", canary_section(data)),
        section("The numbers behind the plots", files_section(files)),
        data_script(data),
    ])
    return ('<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>ragbus report</title>'
            f"<style>{STYLE}{EXTRA_STYLE}</style></head><body>{body}</body></html>")
