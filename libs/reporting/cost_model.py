"""The cost model (`ragbus cost-model`, docs/cost-model.md): what a question costs and what a month costs at a
daily volume, from token counts measured in the cost ledger and the prices in libs/models/model_catalogue.py.

A user action is one question: ingest embeds locally and calls no model. Per question:
  generation = (1 − cache hit rate) × (input tokens × input price + output tokens × output price)
  judge      = eval sample rate × judge repeats × (the same for one judge call)
with the primary model's mean tokens per answer it served (not from the cache) and the judge's mean tokens per
call. The ledger has a row per billed call, rejected ones included (`outcome` ≠ 'served': cut at max_tokens, no
text; migration 0007): their tokens stay in the totals, so an answer's figure carries the calls its model wasted on
the way (spread over the answers that model served), while only served rows count as answers. A judge repeat is one
call whether or not its reply was usable (nothing retries it), so the judge's mean is over every billed call.
Prices are USD per million tokens. Costs are recomputed from tokens, so a changed price table changes the model,
not the ledger.
"""

from dataclasses import dataclass, field
from datetime import date

import asyncpg

from libs.models.model_catalogue import price_of
from libs.reporting.rows import fetch_dicts
from libs.stores.cost_ledger import JUDGE

MILLION = 1_000_000
VOLUMES = (10_000, 100_000, 1_000_000)
PER_ANSWER = "answer"  # generation: tokens of all billed calls / answers served (not from the cache)
PER_CALL = "call"  # judge: tokens of all billed calls / billed calls


def basis_of(purpose: str) -> str:
    return PER_CALL if purpose == JUDGE else PER_ANSWER


@dataclass(frozen=True)
class Calls:
    """Measured ledger rows of one model for one purpose, and their mean tokens per `basis`."""
    purpose: str
    model: str
    calls: int  # rows: billed calls (rejected ones included) and cache hits
    input_tokens: float  # mean per `basis`, rejected calls' tokens included
    output_tokens: float
    cache_hits: int = 0  # served from the draft cache: no call, 0 tokens, not in the means
    rejected: int = 0  # billed calls rejected (outcome ≠ 'served'): not answers, their tokens in the means

    @property
    def basis(self) -> str:
        return basis_of(self.purpose)

    @property
    def answers(self) -> int:
        """Served rows not from the cache: answers a model call produced."""
        return self.calls - self.cache_hits - self.rejected

    @property
    def billed(self) -> int:
        return self.calls - self.cache_hits

    def measured(self) -> bool:
        return (self.answers if self.basis == PER_ANSWER else self.billed) > 0


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
        if calls.purpose == purpose and calls.model == model and calls.measured():
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
    return {"generation": generation, "judge": judge, "basis": basis(generation, judge), "scenarios": scenarios}


def basis(generation: Calls, judge: Calls | None) -> list[str]:
    """What the means count, in words, for the page: which rows are answers, where rejected calls went."""
    lines = [f"Generation: mean tokens per answer `{generation.model}` served ({generation.answers} answers, cache hits "
             f"excluded); the tokens of its {generation.rejected} rejected billed call(s) (cut at max_tokens, no text) "
             "are in the totals and so in the mean, but they are not answers."]
    if judge:
        lines.append(f"Judge: mean tokens per billed call ({judge.billed}, of which {judge.rejected} rejected): every "
                     "repeat is one call whether or not its reply was a verdict.")
    return lines


async def measured_calls(pool: asyncpg.Pool, since: date, tenants: list[str] | None) -> list[Calls]:
    """Per purpose and model: rows, cache hits, rejected calls, and mean tokens per the purpose's basis."""
    rows = await fetch_dicts(pool, """
        SELECT purpose, model, count(*) AS calls, count(*) FILTER (WHERE cache_hit) AS cache_hits,
               count(*) FILTER (WHERE outcome <> 'served') AS rejected,
               count(*) FILTER (WHERE outcome = 'served' AND NOT cache_hit) AS answers,
               count(*) FILTER (WHERE NOT cache_hit) AS billed,
               coalesce(sum(input_tokens) FILTER (WHERE NOT cache_hit), 0)::float8 AS input_tokens,
               coalesce(sum(output_tokens) FILTER (WHERE NOT cache_hit), 0)::float8 AS output_tokens
        FROM cost_ledger WHERE day >= $1 AND ($2::text[] IS NULL OR tenant = ANY($2))
        GROUP BY purpose, model ORDER BY purpose, calls DESC""", since, tenants)
    return [measured_from(r) for r in rows]


def measured_from(row: dict) -> Calls:
    """Token totals divided by the purpose's basis: served answers (generation) or billed calls (judge)."""
    count = row["answers"] if basis_of(row["purpose"]) == PER_ANSWER else row["billed"]
    means = [row[tokens] / count if count else 0.0 for tokens in ("input_tokens", "output_tokens")]
    return Calls(row["purpose"], row["model"], row["calls"], *means, row["cache_hits"], row["rejected"])
