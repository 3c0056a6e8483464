"""`ragbus eval`: the evaluation set through the running pipeline, a metric table, a report and the gate."""

import asyncio
import json
from pathlib import Path

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from libs.devstack.processes import http_ok
from libs.devstack.stack import LocalStack, StackConfig, ensure_up
from libs.evaluation.cases import CASES_FILE, load_cases
from libs.evaluation.gate import BASELINE_FILE, compare, load_baseline, write_baseline
from libs.evaluation.judge_factory import JudgeChoice, JudgeSettings, build_judge
from libs.evaluation.model_outage import stack_outage
from libs.evaluation.runner import run_eval
from libs.stores.cost_ledger import InMemoryCostLedger

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
    judge_choice: JudgeChoice = typer.Option(
        JudgeChoice.AUTO, "--judge", envvar="EVAL_JUDGE", case_sensitive=False,
        help="Who scores faithfulness and answer relevance: offline (embedding + word overlap, deterministic, free; what CI and the "
             "committed baseline use), llm (Claude through ANTHROPIC_API_KEY, model EVAL_JUDGE_MODEL, paid, "
             "repeated; its spread is reported) or auto (llm when ANTHROPIC_API_KEY is set, else offline). "
             "Judged metrics are not gated against a baseline made by another judge.",
    ),
    judge_repeats: int = typer.Option(
        3, "--judge-repeats", envvar="EVAL_JUDGE_REPEATS", min=1, max=10,
        help="Times the LLM judge scores each answer: the score is the mean, the spread (max - min) is reported.",
    ),
) -> None:
    """Run the evaluation set through the running pipeline and gate on the committed baseline."""
    ledger = InMemoryCostLedger()
    judge = build_judge(judge_settings(judge_choice, judge_repeats), ledger=ledger)
    stack = LocalStack(StackConfig())
    if start_stack:
        ensure_up(stack, progress=lambda message: console.print(f"[green]✓[/] {message}"))
    outage = stack_outage(stack) if local_stack_is_up(stack, bootstrap) else None
    if outage is None:
        console.print("[yellow]cases with a model_fault are skipped: only the local stack's generate service can be "
                      "restarted against a failing model API[/]")
    cases = load_cases(cases_file)
    if only:
        cases = [c for c in cases if c.category in set(only.split(","))]
    with console.status(f"evaluating {len(cases)} cases") as status:
        done = []

        def progress(result) -> None:
            done.append(result)
            status.update(f"evaluating: {len(done)}/{len(cases)} cases, {sum(r.passed for r in done)} passed")

        result = asyncio.run(run_eval(bootstrap, cases, judge, progress=progress, outage=outage))
    result["run"]["judge"]["cost_usd"] = round(sum(entry.cost_usd for entry in ledger.entries), 6)
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


def local_stack_is_up(stack: LocalStack, bootstrap: str) -> bool:
    return stack.config.bootstrap_servers == bootstrap and all(
        http_ok(stack.readiness_url(name)) for name in stack.services)


def judge_settings(choice: JudgeChoice, repeats: int) -> JudgeSettings:
    """The judge the options ask for; the key, model and base URL come from the environment."""
    try:
        return JudgeSettings(eval_judge=choice, eval_judge_repeats=repeats)
    except ValidationError as error:  # llm without a key
        raise typer.BadParameter(error.errors()[0]["msg"], param_hint="--judge") from error


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
    print_judge(result)


def print_judge(result: dict) -> None:
    judge = result["run"]["judge"]
    if judge.get("repeats", 1) > 1:
        cost = judge.get("cost_usd", 0.0)
        console.print(f"judge {judge['name']} v{judge['version']}: {judge['repeats']} repeats, cost ${cost:.4f}")
    for metric, spread in result.get("judge_spread", {}).items():
        console.print(f"  {metric} spread (max - min over repeats): mean {spread['mean']:.3f}, "
                      f"largest {spread['max']:.3f}, over {spread['cases']} cases")
    not_compared = result.get("gate", {}).get("not_compared")
    if not_compared:
        console.print(f"[yellow]not gated[/]: {', '.join(not_compared['metrics'])} ({not_compared['reason']})")


def print_gate_failure(gate: dict) -> None:
    console.print("[bold red]GATE FAILED[/]")
    for regression in gate["regressions"]:
        console.print(f"  {regression['metric']}: {regression['baseline']} → {regression['now']} (margin {regression['margin']})")
    if gate["newly_failing_cases"]:
        console.print(f"  cases that passed in the baseline and fail now: {', '.join(gate['newly_failing_cases'])}")
