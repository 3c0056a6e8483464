"""Static HTML report of an offline evaluation run: plots embedded as PNG data URIs, plus the CSVs behind them.

`write_report(result, out_dir)` writes report.html, metrics.csv, cases.csv and latency.csv. Every metric in
`result["metrics"]` is rendered generically: values in [0, 1] (or None, unmeasured) as bars, `*_ms`, `*_usd`
and other numbers in a table.
"""

import base64
import csv
import html
import io
import math
from collections.abc import Iterable, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen before pyplot is imported)
from libs.evaluation.metrics import percentile

UNIT_SUFFIXES = ("_ms", "_usd")
CASE_COLUMNS = ("id", "tenant", "category", "expected", "status", "passed", "failure", "latency_ms", "cost_usd")
BAR_COLOUR = "#4c72b0"
P99_COLOUR = "#dd8452"
MUTED = "#6e7781"
COLUMN_WIDTH = 0.38


def write_report(result: dict, out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    write_metrics_csv(result.get("metrics") or {}, out_dir / "metrics.csv")
    write_cases_csv(result.get("cases") or [], out_dir / "cases.csv")
    write_latency_csv(result.get("latency_ms") or {}, out_dir / "latency.csv")
    report = out_dir / "report.html"
    report.write_text(render_html(result), encoding="utf-8")
    return report


# --- numbers -------------------------------------------------------------------------------------------------


def is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def number_or_none(value) -> float | None:
    return float(value) if is_number(value) else None


def is_quality_metric(name: str, value) -> bool:
    if name.endswith(UNIT_SUFFIXES):
        return False
    return value is None or (is_number(value) and 0.0 <= value <= 1.0)


def quality_metrics(metrics: dict) -> dict:
    return {name: value for name, value in metrics.items() if is_quality_metric(name, value)}


def measurements(metrics: dict) -> dict:
    return {name: value for name, value in metrics.items() if not is_quality_metric(name, value)}


def finite_numbers(values: Iterable | None) -> list[float]:
    return [float(value) for value in values or [] if is_number(value)]


def mean_or_none(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def stage_latencies(latency: dict) -> dict[str, list[float]]:
    return {stage: finite_numbers(values) for stage, values in (latency.get("stages") or {}).items()}


def latency_series(latency: dict) -> dict[str, list[float]]:
    return {"end_to_end": finite_numbers(latency.get("end_to_end")), **stage_latencies(latency)}


def case_metric_names(cases: list[dict]) -> list[str]:
    return list(dict.fromkeys(name for case in cases for name in case.get("metrics") or {}))


def costs_by_category(cases: list[dict]) -> dict[str, list[float]]:
    costs: dict[str, list[float]] = {}
    for case in cases:
        costs.setdefault(str(case.get("category", "?")), []).extend(finite_numbers([case.get("cost_usd")]))
    return costs


def failures_first(cases: list[dict]) -> list[dict]:
    return sorted(cases, key=lambda case: case.get("passed") is True)


# --- CSV -----------------------------------------------------------------------------------------------------


def csv_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence]) -> None:
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(header)
        writer.writerows([csv_value(value) for value in row] for row in rows)


def write_metrics_csv(metrics: dict, path: Path) -> None:
    write_csv(path, ["metric", "value"], metrics.items())


def write_cases_csv(cases: list[dict], path: Path) -> None:
    metric_names = case_metric_names(cases)
    rows = (
        [case.get(column) for column in CASE_COLUMNS] + [(case.get("metrics") or {}).get(m) for m in metric_names]
        for case in cases
    )
    write_csv(path, [*CASE_COLUMNS, *metric_names], rows)


def write_latency_csv(latency: dict, path: Path) -> None:
    rows = ((stage, value) for stage, values in latency_series(latency).items() for value in values)
    write_csv(path, ["stage", "value"], rows)


# --- plots ---------------------------------------------------------------------------------------------------


def figure_as_img(fig, alt: str) -> str:
    buffer = io.BytesIO()
    try:
        fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    finally:
        plt.close(fig)
    encoded = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img alt="{esc(alt)}" src="data:image/png;base64,{encoded}">'


def message_figure(message: str):
    fig, ax = plt.subplots(figsize=(7, 1))
    ax.axis("off")
    ax.text(0.5, 0.5, message, ha="center", va="center", color=MUTED)
    return fig


def unit_interval_bars(ax, labels: list[str], values: list[float | None]) -> None:
    """Horizontal bars on [0, 1] labelled with their value; an unmeasured value is written n/a, never drawn."""
    measured = [(position, value) for position, value in enumerate(values) if value is not None]
    ax.barh([p for p, _ in measured], [v for _, v in measured], color=BAR_COLOUR)
    for position, value in enumerate(values):
        text, colour = ("n/a", MUTED) if value is None else (f"{value:.2f}", "black")
        ax.text((value or 0.0) + 0.01, position, text, va="center", fontsize=9, color=colour)
    ax.set_yticks(range(len(labels)), labels)
    ax.set_ylim(len(labels) - 0.5, -0.5)
    ax.set_xlim(0, 1.1)
    ax.grid(axis="x", alpha=0.3)


def labelled_columns(ax, positions: list[float], values: list, colour: str, value_format: str = "{:.0f}",
                     width: float = COLUMN_WIDTH, label: str | None = None) -> None:
    """Vertical bars labelled with their value; an unmeasured value is written n/a, never drawn."""
    measured = [(position, value) for position, value in zip(positions, values) if value is not None]
    ax.bar([p for p, _ in measured], [v for _, v in measured], width=width, color=colour, label=label)
    for position, value in zip(positions, values):
        text = "n/a" if value is None else value_format.format(value)
        ax.annotate(text, (position, value or 0.0), xytext=(0, 2), textcoords="offset points", ha="center", fontsize=8)


def category_axis(ax, names: list[str], **tick_style) -> None:
    """Every category keeps its slot, even when none of its bars could be drawn."""
    ax.set_xticks(range(len(names)), names, **tick_style)
    ax.set_xlim(-0.6, len(names) - 0.4)


def bar_chart_height(bars: int) -> float:
    return 0.8 + 0.32 * bars


def quality_figure(quality: dict):
    if not quality:
        return message_figure("no quality metrics in this run")
    fig, ax = plt.subplots(figsize=(7, bar_chart_height(len(quality))))
    unit_interval_bars(ax, list(quality), list(quality.values()))
    ax.set_title("Quality metrics (0–1, higher is better; n/a = not measured)")
    return fig


def latency_histogram_figure(end_to_end: list[float]):
    if not end_to_end:
        return message_figure("no end-to-end latency measured")
    fig, ax = plt.subplots(figsize=(7, 3))
    ax.hist(end_to_end, bins=min(30, max(5, len(end_to_end) // 3)), color=BAR_COLOUR)
    for q, colour in ((50, "black"), (99, P99_COLOUR)):
        value = percentile(end_to_end, q)
        ax.axvline(value, color=colour, linestyle="--", label=f"p{q} = {value:.0f} ms")
    ax.set(title=f"End-to-end latency ({len(end_to_end)} cases)", xlabel="ms", ylabel="cases")
    ax.legend()
    return fig


def stage_percentiles_figure(stages: dict[str, list[float]]):
    if not any(stages.values()):
        return message_figure("no stage latency measured")
    fig, ax = plt.subplots(figsize=(7, 3))
    for offset, q, colour in ((-COLUMN_WIDTH / 2, 50, BAR_COLOUR), (COLUMN_WIDTH / 2, 99, P99_COLOUR)):
        positions = [index + offset for index in range(len(stages))]
        values = [percentile(values, q) for values in stages.values()]
        labelled_columns(ax, positions, values, colour, label=f"p{q}")
    category_axis(ax, list(stages))
    ax.set(title="Latency per stage", ylabel="ms")
    ax.margins(y=0.15)
    ax.legend()
    return fig


def category_pass_rate_figure(by_category: dict):
    if not by_category:
        return message_figure("no categories in this run")
    labels = [f"{name} (n={stats.get('cases', '?')})" for name, stats in by_category.items()]
    rates = [number_or_none(stats.get("pass_rate")) for stats in by_category.values()]
    fig, ax = plt.subplots(figsize=(7, bar_chart_height(len(labels))))
    unit_interval_bars(ax, labels, rates)
    ax.set_title("Pass rate per category")
    return fig


def cost_figure(mean_costs: dict[str, float | None]):
    fig, ax = plt.subplots(figsize=(7, 3))
    positions = list(range(len(mean_costs)))
    labelled_columns(ax, positions, list(mean_costs.values()), BAR_COLOUR, value_format="${:.4f}", width=0.6)
    category_axis(ax, list(mean_costs), rotation=30, ha="right")
    ax.set(title="Mean cost per answer by category", ylabel="USD")
    ax.margins(y=0.15)
    return fig


# --- HTML ----------------------------------------------------------------------------------------------------


def esc(value) -> str:
    return "" if value is None else html.escape(str(value))


def format_number(value, decimals: int = 2) -> str:
    return f"{value:.{decimals}f}" if is_number(value) else ("n/a" if value is None else str(value))


def format_measurement(name: str, value) -> str:
    if name.endswith("_usd") and is_number(value):
        return f"${value:.4f}"
    if name.endswith("_ms") and is_number(value):
        return f"{value:.1f} ms"
    return format_number(value)


def class_attribute(css_class: str) -> str:
    return f' class="{esc(css_class)}"' if css_class else ""


def table_row(cells: Sequence[str], css_class: str = "") -> str:
    return f"<tr{class_attribute(css_class)}>{''.join(f'<td>{esc(cell)}</td>' for cell in cells)}</tr>"


def table(header: Sequence[str], rows: Iterable[Sequence[str]], css_class: str = "", row_classes=()) -> str:
    """Cells are escaped here, so callers pass plain text."""
    rows = list(rows)
    row_classes = list(row_classes) or [""] * len(rows)
    head = "".join(f"<th>{esc(cell)}</th>" for cell in header)
    body = "".join(table_row(row, row_class) for row, row_class in zip(rows, row_classes))
    return f"<table{class_attribute(css_class)}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def section(title: str, content: str) -> str:
    return f"<section><h2>{esc(title)}</h2>{content}</section>"


def flattened(mapping: dict, prefix: str = "") -> dict:
    """Nested run info as dotted keys: {"judge": {"name": "x"}} becomes {"judge.name": "x"}."""
    items = {}
    for key, value in mapping.items():
        name = f"{prefix}{key}"
        items.update(flattened(value, f"{name}.") if isinstance(value, dict) else {name: value})
    return items


def run_summary(run: dict) -> str:
    return table(["run", ""], ([name, csv_value(value)] for name, value in flattened(run).items()), "run")


def gate_verdict(gate: dict | None) -> str:
    if gate is None:
        return '<p class="verdict none">NO GATE: this run was not compared with a baseline</p>'
    label, css = ("PASS", "pass") if gate.get("passed") is True else ("FAIL", "fail")
    parts = [f'<p class="verdict {css}">Gate {label}</p>', f"<p>baseline: {esc(gate.get('baseline'))}</p>"]
    regressions = gate.get("regressions") or []
    if regressions:
        parts.append(f"<h3>Regressions</h3><ul>{''.join(regression_item(r) for r in regressions)}</ul>")
    newly_failing = gate.get("newly_failing_cases") or []
    if newly_failing:
        parts.append(f"<h3>Newly failing cases</h3><ul>{''.join(f'<li>{esc(c)}</li>' for c in newly_failing)}</ul>")
    return "".join(parts)


def regression_item(regression: dict) -> str:
    baseline, now, margin = (format_number(regression.get(key)) for key in ("baseline", "now", "margin"))
    return f"<li>{esc(regression.get('metric'))}: {esc(baseline)} → {esc(now)} (margin {esc(margin)})</li>"


def measurements_table(values: dict) -> str:
    if not values:
        return ""
    return table(["measure", "value"], ([name, format_measurement(name, value)] for name, value in values.items()))


def judge_spread_table(spread: dict, judge: dict) -> str:
    """How much the judge disagreed with itself: max - min of its repeats per case, summarised per metric."""
    if not spread:
        return ""
    rows = ([metric, str(s.get("cases")), format_number(s.get("mean"), 3), format_number(s.get("max"), 3)]
            for metric, s in spread.items())
    title = f"Judge spread: {judge.get('name')} scored each answer {judge.get('repeats')} times"
    return f"<h3>{esc(title)}</h3>" + table(["metric", "cases", "mean spread", "largest spread"], rows)


def cost_section(cases: list[dict]) -> str:
    costs = costs_by_category(cases)
    mean_costs = {category: mean_or_none(values) for category, values in costs.items()}
    if any(mean_costs.values()):
        return figure_as_img(cost_figure(mean_costs), "cost per answer by category")
    note = "Every answer cost $0." if any(costs.values()) else "No cost was recorded."
    rows = ([name, str(len(values)), format_measurement("_usd", mean_costs[name])] for name, values in costs.items())
    return f"<p>{esc(note)}</p>" + table(["category", "cases with a cost", "mean cost per answer"], rows)


def case_row(case: dict, metric_names: list[str]) -> list[str]:
    metrics = case.get("metrics") or {}
    return [
        *(csv_value(case.get(column)) for column in ("id", "tenant", "category", "expected", "status")),
        "pass" if case.get("passed") is True else "FAIL",
        csv_value(case.get("failure")),
        csv_value(case.get("question")),
        csv_value(case.get("answer")),
        ", ".join(str(citation) for citation in case.get("citations") or []),
        format_number(case.get("latency_ms"), 1),
        format_measurement("_usd", case.get("cost_usd")),
        *(format_number(metrics.get(name)) for name in metric_names),
    ]


def cases_table(cases: list[dict]) -> str:
    metric_names = case_metric_names(cases)
    header = ["id", "tenant", "category", "expected", "status", "result", "failure", "question", "answer",
              "citations", "latency ms", "cost", *metric_names]
    ordered = failures_first(cases)
    row_classes = ["passed" if case.get("passed") is True else "failed" for case in ordered]
    return table(header, (case_row(case, metric_names) for case in ordered), "cases", row_classes)


def render_html(result: dict) -> str:
    metrics = result.get("metrics") or {}
    latency = result.get("latency_ms") or {}
    cases = result.get("cases") or []
    judge = (result.get("run") or {}).get("judge") or {}
    quality_img = figure_as_img(quality_figure(quality_metrics(metrics)), "quality metrics")
    end_to_end = finite_numbers(latency.get("end_to_end"))
    histogram_img = figure_as_img(latency_histogram_figure(end_to_end), "latency histogram")
    stages_img = figure_as_img(stage_percentiles_figure(stage_latencies(latency)), "latency per stage")
    category_img = figure_as_img(category_pass_rate_figure(result.get("by_category") or {}), "pass rate per category")
    body = "".join([
        "<header><h1>ragbus offline evaluation</h1>",
        run_summary(result.get("run") or {}),
        gate_verdict(result.get("gate")),
        "</header>",
        section("Quality", quality_img + judge_spread_table(result.get("judge_spread") or {}, judge)
                + measurements_table(measurements(metrics))),
        section("Latency", histogram_img + stages_img),
        section("Pass rate per category", category_img),
        section("Cost per answer", cost_section(cases)),
        section(f"Cases ({len(cases)}, failures first)", cases_table(cases)),
    ])
    return page("ragbus offline evaluation", body)


STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto; max-width: 1200px;
       color: #1f2328; padding: 0 1rem; }
h1 { margin-bottom: .5rem; } h2 { border-bottom: 1px solid #d0d7de; padding-bottom: .2rem; margin-top: 2rem; }
img { display: block; max-width: 100%; margin: .5rem 0; }
table { border-collapse: collapse; font-size: .85rem; margin: .5rem 0; }
th, td { border: 1px solid #d0d7de; padding: .25rem .5rem; text-align: left; vertical-align: top; }
th { background: #f6f8fa; position: sticky; top: 0; }
table.cases td { max-width: 28rem; overflow-wrap: anywhere; }
tr.failed { background: #ffebe9; } tr.passed:nth-child(even) { background: #f6f8fa; }
.verdict { display: inline-block; font-weight: bold; font-size: 1.3rem; padding: .3rem .9rem; border-radius: 6px;
           color: white; }
.verdict.pass { background: #1a7f37; } .verdict.fail { background: #cf222e; } .verdict.none { background: #6e7781; }
"""


def page(title: str, body: str) -> str:
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{esc(title)}</title>'
        f"<style>{STYLE}</style></head><body>{body}</body></html>"
    )
