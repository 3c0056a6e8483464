"""Write a collected report: report.html, report-data.json (what the page embeds) and one CSV per table."""

import json
from pathlib import Path

from libs.evaluation.report import write_csv
from libs.reporting.page import render

HTML, DATA = "report.html", "report-data.json"


def tables(data: dict) -> dict[str, list[dict]]:
    """The rows behind each plot, by CSV file name."""
    return {
        "answers_by_day.csv": data["answers"]["by_day"],
        "eval_daily.csv": data["eval"]["daily"],
        "eval_bands.csv": data["eval"]["bands"],
        "drift_alerts.csv": data["eval"]["drift_alerts"],
        "latency_by_variant.csv": data["latency_ms"]["by_variant"],
        "latency_by_day.csv": data["latency_ms"]["by_day"],
        "cost_per_answer.csv": data["cost"]["per_answer"],
        "cost_tenant_days.csv": data["cost"]["tenant_days"],
        "cost_spend.csv": data["cost"]["spend"],
        "cache_by_day.csv": data["cache"]["by_day"],
        "rungs.csv": data["rungs"],
        "dead_letters_by_day.csv": data["dead_letters"]["by_day"],
        "canary.csv": data["canary"]["comparisons"],
    }


def write_dict_csv(path: Path, rows: list[dict]) -> None:
    header = list(dict.fromkeys(key for row in rows for key in row))
    write_csv(path, header, ([row.get(key) for key in header] for row in rows))


def write_report(data: dict, out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    csvs = tables(data)
    for name, rows in csvs.items():
        write_dict_csv(out_dir / name, rows)
    (out_dir / DATA).write_text(json.dumps(data, indent=2, sort_keys=True), encoding="utf-8")
    page = out_dir / HTML
    page.write_text(render(data, [DATA, *csvs]), encoding="utf-8")
    return page
