"""The report's figures (matplotlib, Agg). Each takes the collected rows and returns a figure; a figure with
nothing to draw says so in words instead of showing empty axes."""

from collections import defaultdict

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen before pyplot is imported)
from matplotlib.ticker import MaxNLocator  # noqa: E402

from libs.evaluation.report import (  # noqa: E402
    BAR_COLOUR, MUTED, P99_COLOUR, category_axis, labelled_columns, message_figure,
)
from libs.reporting.operations import END_TO_END, STATUSES  # noqa: E402

STATUS_COLOURS = {"ok": "#1a7f37", "abstained": "#bf8700", "blocked": "#8250df", "failed": "#cf222e",
                  "expired": "#6e7781"}
MAX_LINES = 8
ALERT_COLOUR = "#cf222e"


def day_axis(ax, days: list[str], max_labels: int = 14) -> None:
    """Every day keeps its slot; over a long period only every n-th is labelled (MM-DD, the year is in the header)."""
    step = -(-len(days) // max_labels)
    category_axis(ax, [day[5:] if n % step == 0 else "" for n, day in enumerate(days)])


def counts_by_day(by_day: list[dict], key: str, value: str) -> defaultdict:
    """{(day, row[key]): sum of row[value]} over the rows."""
    counts = defaultdict(int)
    for row in by_day:
        counts[(row["day"], row[key])] += row[value]
    return counts


def stack_bars(ax, days: list[str], counts: dict, keys: list, colour_of=lambda key: None) -> list:
    """One bar series per key, stacked in the order given; returns the stack's height per day."""
    bottom = [0] * len(days)
    for key in keys:
        heights = [counts[(day, key)] for day in days]
        ax.bar(range(len(days)), heights, bottom=bottom, label=key, color=colour_of(key))
        bottom = [b + h for b, h in zip(bottom, heights)]
    return bottom


def status_figure(by_day: list[dict], days: list[str]):
    counts = counts_by_day(by_day, "status", "answers")
    if not counts:
        return message_figure("no answers in this period")
    fig, ax = plt.subplots(figsize=(9, 3.2))
    statuses = [status for status in [*STATUSES, *sorted({s for _, s in counts} - set(STATUSES))]
                if any(counts[(day, status)] for day in days)]
    stack_bars(ax, days, counts, statuses, lambda status: STATUS_COLOURS.get(status, MUTED))
    day_axis(ax, days)
    ax.set(title="Answers per day by status", ylabel="answers")
    ax.legend(fontsize=8, ncols=5)
    return fig


def dead_letter_figure(by_day: list[dict], days: list[str]):
    """Dead letters per day, stacked by reason (most frequent reason at the bottom)."""
    counts = counts_by_day(by_day, "reason", "dead_letters")
    if not counts:
        return message_figure("no dead letters in this period")
    totals = defaultdict(int)
    for (_, reason), n in counts.items():
        totals[reason] += n
    fig, ax = plt.subplots(figsize=(9, 3.2))
    bottom = stack_bars(ax, days, counts, sorted(totals, key=lambda r: (-totals[r], r)))
    day_axis(ax, days)
    ax.set(title="Dead letters per day by reason", ylabel="dead letters", ylim=(0, max(bottom) * 1.3))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(fontsize=8, ncols=3)
    return fig


def busiest(series: dict, limit: int = MAX_LINES) -> list:
    return sorted(series, key=lambda key: -sum(n for _, _, n in series[key]))[:limit]


def eval_figure(daily: list[dict], bands: list[dict], alerts: list[dict], days: list[str]):
    panels = sorted({(row["metric"], row["judge"]) for row in daily if row["mean"] is not None})
    if not panels:
        return message_figure("no online eval scores in this period")
    fig, axes = plt.subplots(len(panels), 1, figsize=(9, 2.6 * len(panels)), squeeze=False)
    for ax, (metric, judge) in zip(axes[:, 0], panels):
        eval_panel(ax, metric, judge, daily, bands, alerts, days)
    fig.tight_layout()
    return fig


def eval_panel(ax, metric: str, judge: str, daily: list[dict], bands: list[dict], alerts: list[dict], days: list[str]):
    series = defaultdict(list)
    for row in daily:
        if (row["metric"], row["judge"]) == (metric, judge) and row["mean"] is not None:
            series[row["variant"]].append((days.index(row["day"]), row["mean"], row["measured"]))
    for variant in busiest(series):
        points = sorted(series[variant])
        line, = ax.plot([p for p, _, _ in points], [m for _, m, _ in points], marker="o", label=variant)
        for b in (b for b in bands if (b["metric"], b["judge"], b["variant"]) == (metric, judge, variant)):
            ax.axhspan(b["low"], b["high"], color=line.get_color(), alpha=0.12)
    for alert in (a for a in alerts if (a["metric"], a["judge"]) == (metric, judge) and a["variant"] in series):
        day = alert["opened_at"][:10]
        if day in days:
            ax.scatter([days.index(day)], [alert["recent_mean"]], marker="X", s=90, color=ALERT_COLOUR, zorder=5,
                       label="drift alert")
    day_axis(ax, days)
    ax.set(title=f"{metric} ({judge}): daily mean per variant, band shaded", ylim=(-0.05, 1.05))
    handles, labels = ax.get_legend_handles_labels()
    unique = dict(zip(labels, handles))
    ax.legend(unique.values(), unique.keys(), fontsize=7, loc="lower left", ncols=3)


def latency_figure(by_variant: list[dict], variants: list[str]):
    rows = [row for row in by_variant if row["variant"] in variants]
    if not rows:
        return message_figure("no latency recorded in this period")
    fig, axes = plt.subplots(len(variants), 1, figsize=(9, 2.8 * len(variants)), squeeze=False)
    for ax, variant in zip(axes[:, 0], variants):
        stages = {row["stage"]: row for row in rows if row["variant"] == variant}
        names = sorted(stages, key=lambda s: (s == END_TO_END, s))
        for offset, key, colour in ((-0.19, "p50_ms", BAR_COLOUR), (0.19, "p99_ms", P99_COLOUR)):
            values = [stages[name][key] for name in names]
            labelled_columns(ax, [i + offset for i in range(len(names))], values, colour, label=key[:3])
        category_axis(ax, names)
        ax.set(title=f"Latency per stage, variant {variant}", ylabel="ms", yscale="symlog")
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def day_lines(ax, rows: list[dict], days: list[str], value, variants: list[str], **style) -> None:
    for variant in variants:
        mine = (r for r in rows if r["variant"] == variant and value(r) is not None)
        points = sorted((days.index(r["day"]), value(r)) for r in mine)
        if points:
            ax.plot([p for p, _ in points], [v for _, v in points], marker="o", label=f"{variant}", **style)
    day_axis(ax, days)


def cost_figure(per_answer: list[dict], tenant_days: list[dict], days: list[str], variants: list[str]):
    if not per_answer and not tenant_days:
        return message_figure("no answers or model spend in this period")
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.4))
    day_lines(left, per_answer, days, lambda r: r["cost_per_answer_usd"], variants)
    left.set(title="Generation cost per answer", ylabel="USD")
    left.legend(fontsize=7)
    budget_bars(right, tenant_days)
    fig.tight_layout()
    return fig


def budget_bars(ax, tenant_days: list[dict], limit: int = 12) -> None:
    rows = sorted((r for r in tenant_days if r["budget_share"] is not None), key=lambda r: -r["budget_share"])[:limit]
    if not rows:
        ax.axis("off")
        ax.text(0.5, 0.5, "no budgeted spend in this period", ha="center", va="center", color=MUTED)
        return
    labels = [f"{r['tenant']} {r['day'][5:]}" for r in rows]
    colours = [ALERT_COLOUR if r["over_budget"] else BAR_COLOUR for r in rows]
    ax.barh(range(len(rows)), [100 * r["budget_share"] for r in rows], color=colours)
    ax.axvline(100, color="black", linestyle="--", label="daily budget")
    ax.set_yticks(range(len(rows)), labels, fontsize=7)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.set(title="Spend per tenant and UTC day, % of budget", xlabel="% of daily budget")
    ax.legend(fontsize=7)


def cache_and_rungs_figure(cache_by_day: list[dict], rungs: list[dict], days: list[str], variants: list[str]):
    if not cache_by_day and not rungs:
        return message_figure("no generated drafts in this period")
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.4))
    day_lines(left, cache_by_day, days, lambda r: r["cache_hits"] / r["drafts"] if r["drafts"] else None, variants)
    left.set(title="Generation cache hit rate", ylim=(-0.05, 1.05))
    left.legend(fontsize=7)
    rung_bars(right, rungs, variants)
    fig.tight_layout()
    return fig


def rung_bars(ax, rungs: list[dict], variants: list[str]) -> None:
    counts = defaultdict(int)
    for row in rungs:
        counts[(row["variant"], row["rung"])] += row["answers"]
    shown = [v for v in variants if any(counts[(v, r)] for r in {r for _, r in counts})]
    left = [0] * len(shown)
    for rung in sorted({r for _, r in counts}):
        widths = [counts[(variant, rung)] for variant in shown]
        ax.barh(range(len(shown)), widths, left=left, label=rung)
        left = [a + b for a, b in zip(left, widths)]
    ax.set_yticks(range(len(shown)), shown, fontsize=8)
    ax.set(title="Fallback-ladder rung per variant", xlabel="drafts")
    ax.legend(fontsize=7)


def canary_figure(canary: dict):
    comparisons = [c for c in canary.get("comparisons", []) if c["control"] is not None or c["candidate"] is not None]
    if not comparisons:
        return message_figure(canary.get("note") or "nothing to compare")
    cols = min(3, len(comparisons))
    rows = -(-len(comparisons) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.6 * cols, 2.6 * rows), squeeze=False)
    for ax in axes.flat[len(comparisons):]:
        ax.axis("off")
    for ax, c in zip(axes.flat, comparisons):
        canary_panel(ax, c, canary["control"], canary["candidate"])
    fig.tight_layout()
    return fig


def canary_panel(ax, c: dict, control: str, candidate: str) -> None:
    colour = {"better": "#1a7f37", "worse": ALERT_COLOUR}.get(c["verdict"], BAR_COLOUR)
    values = [c["control"], c["candidate"]]
    labelled_columns(ax, [0, 1], values, colour, value_format="{:.3g}", width=0.6)
    category_axis(ax, [f"{control}\nn={c['n_control']}", f"{candidate}\nn={c['n_candidate']}"], fontsize=7)
    if c["low"] is not None:  # the difference's interval, drawn around the candidate
        below, above = max(0.0, c["difference"] - c["low"]), max(0.0, c["high"] - c["difference"])
        ax.errorbar([1], [c["candidate"]], yerr=[[below], [above]], color="black", capsize=4)
    ax.set_title(f"{c['measure']}\n{c['statistic']}: {c['verdict']}", fontsize=8)
    ax.margins(y=0.2)
