"""`ragbus eval`: the evaluation set through the running pipeline, a metric table, a report and the gate."""

import asyncio
import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from libs.devstack.stack import LocalStack, StackConfig, ensure_up
from libs.evaluation.cases import CASES_FILE, load_cases
from libs.evaluation.gate import BASELINE_FILE, compare, load_baseline, write_baseline
from libs.evaluation.judges import OfflineJudge
from libs.evaluation.runner import run_eval

console = Console()


def eval_command(
    bootstrap: str = typer.Option("127.0.0.1:9092", envvar="KAFKA_BOOTSTRAP_SERVERS", help="Kafka bootstrap servers."),
    cases_file: Path = typer.Option(CASES_FILE, "--cases", help="Evaluation set (JSONL)."),
    out: Path = typer.Option(Path("reports/eval"), help="Folder for result.json, report.html and CSVs."),
    baseline: Path = typer.Option(BASELINE_FILE, help="Committed baseline the gate compares with."),
    gate: bool = typer.Option(True, help="Exit 1 when a metric regresses beyond its margin or a passing case fails."),
    update_baseline: bool = typer.Option(False, "--update-baseline", help="Write this run as the new baseline."),
    only: str = typer.Option("", help="Comma-separated categories to run (default: all)."),
    start_stack: bool = typer.Option(False, "--start-stack", help="Start the local stack first unless it is up."),
) -> None:
    """Run the evaluation set through the running pipeline and gate on the committed baseline."""
    if start_stack:
        ensure_up(LocalStack(StackConfig()), progress=lambda message: console.print(f"[green]✓[/] {message}"))
    cases = load_cases(cases_file)
    if only:
        cases = [c for c in cases if c.category in set(only.split(","))]
    with console.status(f"evaluating {len(cases)} cases") as status:
        done = []

        def progress(result) -> None:
            done.append(result)
            status.update(f"evaluating: {len(done)}/{len(cases)} cases, {sum(r.passed for r in done)} passed")

        result = asyncio.run(run_eval(bootstrap, cases, OfflineJudge(), progress=progress))
    reference = load_baseline(baseline)
    if reference is not None and not only:
        result["gate"] = {"baseline": str(baseline), **compare(result, reference)}
    report = write_outputs(result, out)
    print_metrics(result)
    console.print(f"report: {report}")
    if update_baseline:
        write_baseline(result, baseline)
        console.print(f"baseline written to {baseline}: review the diff and commit it")
    elif gate and "gate" in result and not result["gate"]["passed"]:
        print_gate_failure(result["gate"])
        raise typer.Exit(code=1)


def write_outputs(result: dict, out: Path) -> Path:
    from libs.evaluation.report import write_report

    out.mkdir(parents=True, exist_ok=True)
    (out / "result.json").write_text(json.dumps(result, indent=2, default=str), encoding="utf-8")
    return write_report(result, out)


def print_metrics(result: dict) -> None:
    baseline = {r["metric"]: r for r in result.get("gate", {}).get("regressions", [])}
    table = Table(title=f"ragbus eval · {result['run']['cases']} cases · judge {result['run']['judge']['name']}")
    for column in ("metric", "value", "regression"):
        table.add_column(column)
    for metric, value in result["metrics"].items():
        shown = "n/a" if value is None else f"{value:.4f}" if isinstance(value, float) else str(value)
        flag = f"was {baseline[metric]['baseline']}" if metric in baseline else ""
        table.add_row(metric, shown, flag)
    console.print(table)


def print_gate_failure(gate: dict) -> None:
    console.print("[bold red]GATE FAILED[/]")
    for regression in gate["regressions"]:
        console.print(f"  {regression['metric']}: {regression['baseline']} → {regression['now']} (margin {regression['margin']})")
    if gate["newly_failing_cases"]:
        console.print(f"  cases that passed in the baseline and fail now: {', '.join(gate['newly_failing_cases'])}")
