"""The cost model (`ragbus cost-model`, docs/cost-model.md): what a question costs and what a month costs at a
daily volume, from token counts measured in the cost ledger and the prices in libs/models/model_catalogue.py.

A user action is one question: ingest embeds locally and calls no model. Per question:
  generation = (1 − cache hit rate) × (input tokens × input price + output tokens × output price)
  judge      = eval sample rate × judge repeats × (the same for one judge call)
with the mean tokens of the primary model's non-cached calls and of the judge's calls. Prices are USD per
million tokens. Costs are recomputed from tokens, so a changed price table changes the model, not the ledger.
"""

from dataclasses import dataclass, field
from datetime import date

import asyncpg

from libs.models.model_catalogue import price_of
from libs.reporting.rows import fetch_dicts

MILLION = 1_000_000
VOLUMES = (10_000, 100_000, 1_000_000)


@dataclass(frozen=True)
class Calls:
    """Measured calls of one model for one purpose: how many, and their mean tokens."""
    purpose: str
    model: str
    calls: int
    input_tokens: float
    output_tokens: float
    cache_hits: int = 0


@dataclass(frozen=True)
class Assumptions:
    model: str = "claude-sonnet-5-5"
    judge_model: str = "claude-haiku-4-5"
    cache_hit_rates: tuple[float, ...] = (0.0, 0.8)
    eval_sample_rate: float = 0.1
    judge_repeats: int = 3
    volumes: tuple[int, ...] = VOLUMES
    days_per_month: int = 30
    prices: dict[str, tuple[float, float]] = field(default_factory=dict)  # extra prices, as MODEL_PRICES_USD_PER_MTOK


def call_cost(model: str, input_tokens: float, output_tokens: float,
              extra_prices: dict[str, tuple[float, float]] | None = None) -> float:
    price_in, price_out = price_of(model, extra_prices)
    return (input_tokens * price_in + output_tokens * price_out) / MILLION


def find(measured: list[Calls], purpose: str, model: str) -> Calls:
    for calls in measured:
        if calls.purpose == purpose and calls.model == model and calls.calls > calls.cache_hits:
            return calls
    raise LookupError(f"no measured {purpose} calls of {model} in the cost ledger")


def per_question(generation: Calls, judge: Calls | None, hit_rate: float, assume: Assumptions) -> dict[str, float]:
    uncached = call_cost(generation.model, generation.input_tokens, generation.output_tokens, assume.prices)
    judge_call = call_cost(judge.model, judge.input_tokens, judge.output_tokens, assume.prices) if judge else 0.0
    costs = {"generation_usd": (1 - hit_rate) * uncached,
             "judge_usd": assume.eval_sample_rate * assume.judge_repeats * judge_call}
    return costs | {"total_usd": costs["generation_usd"] + costs["judge_usd"]}


def cost_model(measured: list[Calls], assume: Assumptions) -> dict:
    generation = find(measured, "generation", assume.model)
    try:
        judge = find(measured, "judge", assume.judge_model)
    except LookupError:
        judge = None
    scenarios = []
    for hit_rate in assume.cache_hit_rates:
        question = per_question(generation, judge, hit_rate, assume)
        months = [{"per_day": volume, **{k: v * volume * assume.days_per_month for k, v in question.items()}}
                  for volume in assume.volumes]
        scenarios.append({"cache_hit_rate": hit_rate, "per_question": question, "per_month": months})
    return {"generation": generation, "judge": judge, "scenarios": scenarios}


async def measured_calls(pool: asyncpg.Pool, since: date, tenants: list[str] | None) -> list[Calls]:
    """Per purpose and model: calls, mean tokens of the non-cached ones, cache hits."""
    rows = await fetch_dicts(pool, """
        SELECT purpose, model, count(*) AS calls, count(*) FILTER (WHERE cache_hit) AS cache_hits,
               coalesce(avg(input_tokens) FILTER (WHERE NOT cache_hit), 0)::float8 AS input_tokens,
               coalesce(avg(output_tokens) FILTER (WHERE NOT cache_hit), 0)::float8 AS output_tokens
        FROM cost_ledger WHERE day >= $1 AND ($2::text[] IS NULL OR tenant = ANY($2))
        GROUP BY purpose, model ORDER BY purpose, calls DESC""", since, tenants)
    return [Calls(r["purpose"], r["model"], r["calls"], r["input_tokens"], r["output_tokens"], r["cache_hits"])
            for r in rows]
