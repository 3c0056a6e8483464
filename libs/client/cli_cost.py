"""`ragbus cost`: cost per answer, per tenant and per UTC day from the PostgreSQL cost ledger, generation and
judge apart, and what a month would cost at a request rate."""

import asyncio
import json

import asyncpg
import typer
from rich.console import Console
from rich.table import Column, Table

from libs.reporting.ledger_costs import SECONDS_PER_DAY, LedgerScope, ledger_costs, projection
from libs.stores.cost_ledger import utc_today

console = Console()


def usd(value: float | None, digits: int = 6) -> str:
    return "–" if value is None else f"${value:,.{digits}f}"


def share(value: float | None) -> str:
    return "–" if value is None else f"{value:.1%}"


def cost_command(
    days: int = typer.Option(7, min=1, help="UTC days to cover, today included."),
    tenant: str | None = typer.Option(None, help="Only this tenant (default: every tenant)."),
    rate: float | None = typer.Option(None, min=0, help="Project a month at this many requests per second."),
    per_day: float | None = typer.Option(None, min=0, help="...or at this many requests per day."),
    as_json: bool = typer.Option(False, "--json", help="Print everything as JSON."),
    database_url: str = typer.Option("postgresql://postgres@127.0.0.1:5432/test", envvar="DATABASE_URL",
                                     help="PostgreSQL DSN."),
) -> None:
    """Cost per answer, per tenant and per day (generation and judge apart), and a monthly projection."""
    if rate is not None and per_day is not None:
        raise typer.BadParameter("give --rate or --per-day, not both")
    scope = LedgerScope(days, utc_today(), tenant)
    try:
        data = asyncio.run(read(database_url, scope))
    except asyncpg.UndefinedTableError as error:
        console.print(f"[red]{error}[/]: the database has no cost ledger yet; run `ragbus migrate` first")
        raise typer.Exit(code=1) from error
    data["projection"] = projection(data["total"], *requests_per_day(data, rate, per_day, days))
    if as_json:
        print(json.dumps(data, indent=2))
        return
    print_tables(data)


async def read(database_url: str, scope: LedgerScope) -> dict:
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2)
    try:
        return await ledger_costs(pool, scope)
    finally:
        await pool.close()


def requests_per_day(data: dict, rate: float | None, per_day: float | None, days: int) -> tuple[float, str]:
    if rate is not None:
        return rate * SECONDS_PER_DAY, f"{rate:g} requests/s"
    if per_day is not None:
        return per_day, f"{per_day:g} requests/day"
    observed = data["total"]["answers"] / days
    return observed, f"observed rate ({observed:,.1f} answers/day over {days} day(s))"


def print_tables(data: dict) -> None:
    scope, total, answer = data["scope"], data["total"], data["per_answer"]
    who = f"tenant {scope['tenant']}" if scope["tenant"] else "every tenant"
    console.print(f"[bold]Cost ledger[/], {who}, UTC days {scope['since_day']} … {scope['until_day']}")
    console.print(f"{total['answers']} answer(s): generation {usd(total['generation_usd'], 4)}, judge "
                  f"{usd(total['judge_usd'], 4)}; cache hits {share(total['cache_hit_rate'])}")
    per_answer = Table("per answer (generation)", "mean", "p50", "p95", "max", title="Cost per answer")
    quantiles = ("mean_usd", "p50_usd", "p95_usd", "max_usd")
    per_answer.add_row(f"{answer['answers']} answer(s)", *(usd(answer[k]) for k in quantiles))
    console.print(per_answer)
    for dimension, title in (("tenant", "Per tenant"), ("day", "Per UTC day")):
        console.print(breakdown(data[f"per_{dimension}"], dimension, title))
    plan = data["projection"]
    month = Table("at", "generation", "judge", "total", title=f"Projected month ({plan['days']} days)")
    month.add_row(f"{plan['basis']} = {plan['requests_per_day']:,.0f}/day", usd(plan["generation_usd"], 2),
                  usd(plan["judge_usd"], 2), usd(plan["total_usd"], 2))
    console.print(month)


def breakdown(lines: list[dict], dimension: str, title: str) -> Table:
    table = Table(Column(dimension, no_wrap=True), "answers", "generation", "per answer", "cache hits", "judge",
                  "judge per answer", title=title)
    for line in lines:
        table.add_row(str(line[dimension]), str(line["answers"]), usd(line["generation_usd"], 4),
                      usd(line["generation_per_answer_usd"]), share(line["cache_hit_rate"]), usd(line["judge_usd"], 4),
                      usd(line["judge_per_answer_usd"]))
    return table
