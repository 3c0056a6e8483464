"""`ragbus report`: the quality, latency and cost dashboard as a static HTML file, from PostgreSQL."""

import asyncio
import json
from datetime import datetime
from pathlib import Path

import asyncpg
import typer
from rich.console import Console

from libs.evaluation.judges import OfflineJudge
from libs.reporting.build import build_report
from libs.reporting.collect import ReportOptions
from libs.reporting.costs import Budgets
from libs.reporting.period import period_from
from libs.reporting.quality import BandPolicy
from libs.reporting.significance import MIN_SAMPLES

console = Console()


def budgets_from(default: str, per_tenant: str) -> Budgets:
    """The generate service's settings, read the same way: "off" means no limit, overrides are JSON."""
    try:
        overrides = {tenant: float(usd) for tenant, usd in json.loads(per_tenant or "{}").items()}
        return Budgets(None if default.strip().lower() == "off" else float(default), overrides)
    except (ValueError, AttributeError) as error:
        raise typer.BadParameter(f"budgets: {error}") from error


def report_command(
    out: Path = typer.Option(Path("reports/dashboard"), help="Folder for report.html, report-data.json and CSVs."),
    days: int = typer.Option(7, min=1, help="Period length when --since is not given: the days before --until."),
    since: datetime | None = typer.Option(None, help="Start of the period (UTC unless a zone is given)."),
    until: datetime | None = typer.Option(None, help="End of the period, excluded (default: now)."),
    tenant: str | None = typer.Option(None, help="Only this tenant (default: every tenant)."),
    variants: str = typer.Option("", help="Canary: control,candidate (default: the two variants with most answers)."),
    judge: str = typer.Option(OfflineJudge.name, help="Judge whose faithfulness is compared with human labels."),
    budget_usd: str = typer.Option("20", envvar="TENANT_DAILY_BUDGET_USD", help='Daily budget per tenant, or "off".'),
    tenant_budgets: str = typer.Option("{}", envvar="TENANT_BUDGETS_USD", help='Per-tenant budgets: {"acme": 50}.'),
    reference_days: int = typer.Option(7, min=1, help="Days before the period whose mean is the eval baseline band."),
    max_drop: float = typer.Option(0.15, envvar="EVAL_DRIFT_MAX_DROP", help="Half-width of the baseline band."),
    min_samples: int = typer.Option(MIN_SAMPLES, min=2, help="Canary: values per variant needed to compare a measure."),
    database_url: str = typer.Option("postgresql://postgres@127.0.0.1:5432/test", envvar="DATABASE_URL",
                                     help="PostgreSQL DSN."),
) -> None:
    """Build a static HTML dashboard (no server needed) of answers, online eval, latency, cost and a canary."""
    try:
        period = period_from(since, until, days, tenant)
    except ValueError as error:
        raise typer.BadParameter(str(error)) from error
    wanted = [v.strip() for v in variants.split(",") if v.strip()] or None
    if wanted is not None and len(wanted) != 2:
        raise typer.BadParameter("give two variants: control,candidate", param_hint="--variants")
    options = ReportOptions(budgets=budgets_from(budget_usd, tenant_budgets), judge=judge, canary_variants=wanted,
                            bands=BandPolicy(reference_days, max_drop), min_samples=min_samples)
    try:
        page, data = asyncio.run(build_report(database_url, period, out, options))
    except asyncpg.UndefinedTableError as error:
        console.print(f"[red]{error}[/]: the database has no ragbus tables yet; run `ragbus migrate` first")
        raise typer.Exit(code=1) from error
    print_summary(data)
    console.print(f"report: {page}")


def print_summary(data: dict) -> None:
    answers = data["answers"]
    statuses = ", ".join(f"{status} {n}" for status, n in answers["by_status"].items() if n)
    console.print(f"{answers['total']} answer(s) ({statuses or 'none'}), generation cost "
                  f"${data['cost']['generation_usd']:.4f}")
    decision = data["canary"].get("decision")
    if decision:
        console.print(f"canary {data['canary']['candidate']} vs {data['canary']['control']}: {decision['action']} "
                      f"({'; '.join(decision['reasons'])})")
