"""Drafting an answer as plain functions: context budget, cache, tenant budget, fallback ladder, cost ledger.

Nothing here fails a request: every model failure ends on a lower rung, the last one offline.
The ledger gets a row per model call the API billed (a rejected one included) and, when no model call served,
one row for what did (offline or the draft cache, costing 0); the answer is charged the sum of its rows.
"""

from dataclasses import dataclass, field, replace
from functools import partial

from opentelemetry import trace

from libs.contracts.questions import Citation, ContextRetrieved, GenerationInfo, TokenUsage
from libs.models.context_budget import ContextLimits, ContextPlan, TokenCounter, plan_context
from libs.models.draft_cache import DraftCache, cache_key
from libs.models.extractive import ExtractiveGenerator
from libs.models.generation import Draft
from libs.models.prompt_files import bundled_prompts
from libs.models.prompts import PromptRegistry, PromptTemplate, render
from libs.models.variant_split import VariantSplit
from libs.platform.telemetry import tracer
from libs.stores.cost_ledger import CostEntry, CostLedger, record_costs
from services.generate.costs import TenantBudgets, over_budget
from services.generate.ladder import Attempt, Attempts, ModelRung, RetryPolicy, TimePolicy, climb
from services.generate.spans import CACHE_HIT_SPAN, GENERATE_SPAN, SERVED, cache_hit_attributes

OFFLINE = "offline"


@dataclass(frozen=True)
class Generated:
    draft: Draft
    info: GenerationInfo
    billed: tuple[Attempt, ...] = ()  # the model calls the API billed, the served one included
    costs: tuple[CostEntry, ...] = ()  # the ledger rows written for it (set by `generate`)


@dataclass
class GenerateDeps:
    offline: ExtractiveGenerator
    counter: TokenCounter
    limits: ContextLimits
    cache: DraftCache[Generated]
    rungs: list[ModelRung] = field(default_factory=list)  # empty: offline only (no API key)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    timing: TimePolicy = field(default_factory=TimePolicy)
    budgets: TenantBudgets = field(default_factory=TenantBudgets)
    ledger: CostLedger | None = None  # set once the database is open
    prompts: PromptRegistry = field(default_factory=bundled_prompts)
    split: VariantSplit = field(default_factory=VariantSplit)
    tracer: trace.Tracer = field(default_factory=tracer)


def assign_variant(context: ContextRetrieved, split: VariantSplit) -> ContextRetrieved:
    """The request with the variant it is served with: the one asked for, else its share of the split."""
    state = context.state
    variant = split.assign(state.variant, context.tenant if split.by == "tenant" else context.request_id)
    if variant == state.variant:
        return context
    return context.model_copy(update={"state": state.model_copy(update={"variant": variant})})


def info_for(plan: ContextPlan, template: PromptTemplate, counter: TokenCounter, **fields) -> GenerationInfo:
    return GenerationInfo(prompt_variant=template.id, prompt_version=template.version,
                          context_tokens=plan.prompt_tokens, token_counter=counter.name, dropped_chunk_ids=plan.dropped_chunk_ids, **fields)


def offline_answer(question: str, plan: ContextPlan, info: GenerationInfo, deps: GenerateDeps) -> Generated:
    return Generated(deps.offline.answer(question, plan.chunks), info)


def as_cache_hit(cached: Generated, deps: GenerateDeps) -> Generated:
    """The cached draft, costing nothing this time."""
    draft = replace(cached.draft, usage=TokenUsage(), cost_usd=0.0, billing=None)
    info = cached.info.model_copy(update={"cache_hit": True, "reason": "", "attempts": 0})
    with deps.tracer.start_as_current_span(CACHE_HIT_SPAN) as span:
        span.set_attributes(cache_hit_attributes(draft.model, info.rung))
    return Generated(draft, info)


async def from_models(context: ContextRetrieved, plan: ContextPlan, template: PromptTemplate, deps: GenerateDeps) -> Generated:
    state = context.state
    describe = partial(info_for, plan, template, deps.counter)
    if await over_budget(context.tenant, deps.budgets, deps.ledger):
        return offline_answer(state.question, plan, describe(rung=OFFLINE, reason="budget_exceeded"), deps)
    if not plan.fits:
        return offline_answer(state.question, plan, describe(rung=OFFLINE, reason="context_overflow"), deps)
    prompt = render(template, state.question, plan.chunks)
    result = await climb(deps.rungs, prompt, state.deadline, deps.timing, deps.retry, Attempts(deps.tracer))
    billed = tuple(result.billed)
    if result.draft is not None:
        info = describe(rung=result.rung, reason=result.reason, attempts=result.attempts)
        return Generated(result.draft, info, billed)
    info = describe(rung=OFFLINE, reason=result.reason, attempts=result.attempts + 1)
    return replace(offline_answer(state.question, plan, info, deps), billed=billed)


async def generate(context: ContextRetrieved, deps: GenerateDeps) -> Generated:
    """The draft, charged what its ledger rows add up to, inside the generate span (model calls are its children)."""
    with deps.tracer.start_as_current_span(GENERATE_SPAN) as span:
        generated = await draft_answer(context, deps)
        costs = cost_entries(context, generated)
        await record_costs(costs, deps.ledger, deps.budgets.lookup_timeout_s)
        generated = charged(generated, costs)
        span.set_attributes(span_attributes(generated))
        return generated


async def draft_answer(context: ContextRetrieved, deps: GenerateDeps) -> Generated:
    state = context.state
    template = deps.prompts.template_for(state.variant)
    if not deps.rungs:  # offline only (no API key): no prompt to budget, as fast as the extractive generator alone
        info = GenerationInfo(rung=OFFLINE, prompt_variant=template.id, prompt_version=template.version)
        return Generated(deps.offline.answer(state.question, context.chunks), info)
    plan = plan_context(state.question, context.chunks, template, deps.counter, deps.limits)
    key = cache_key(context.tenant, template, deps.rungs[0].caller.model, state.question, plan.chunks)
    cached = await deps.cache.get(key)
    generated = as_cache_hit(cached, deps) if cached is not None else await from_models(context, plan, template, deps)
    if cached is None and generated.info.rung != OFFLINE:
        await deps.cache.put(key, generated)
    return generated


def cost_entries(context: ContextRetrieved, generated: Generated) -> tuple[CostEntry, ...]:
    """A row per billed model call, in call order, and a row for what served unless a billed call did."""
    draft, info = generated.draft, generated.info
    who = {"request_id": context.request_id, "tenant": context.tenant, "variant": context.state.variant}
    rows = [
        CostEntry(**who, model=a.billing.model, rung=a.rung, input_tokens=a.billing.input_tokens,
                  output_tokens=a.billing.output_tokens, cost_usd=a.billing.cost_usd, outcome=a.outcome,
                  attempt=a.number, cache_write_tokens=a.billing.cache_write_tokens,
                  cache_read_tokens=a.billing.cache_read_tokens)
        for a in generated.billed
    ]
    if not any(a.outcome == SERVED for a in generated.billed):  # offline, a cache hit, or a caller without billing
        rows.append(CostEntry(**who, model=draft.model, rung=info.rung, input_tokens=draft.usage.input_tokens,
                              output_tokens=draft.usage.output_tokens, cost_usd=draft.cost_usd,
                              cache_hit=info.cache_hit, attempt=info.attempts))
    return tuple(rows)


def charged(generated: Generated, costs: tuple[CostEntry, ...]) -> Generated:
    """The draft as published: its usage and cost are its ledger rows' sums, billed failed calls included."""
    usage = TokenUsage(input_tokens=sum(c.input_tokens for c in costs), output_tokens=sum(c.output_tokens for c in costs))
    cost = float(sum(c.exact_cost() for c in costs))
    return replace(generated, draft=replace(generated.draft, usage=usage, cost_usd=cost), costs=costs)


def encode_generated(generated: Generated) -> dict:
    """A cached draft as JSON (the PostgreSQL cache)."""
    draft = generated.draft
    return {"draft": {"answer": draft.answer, "citations": [c.model_dump(mode="json") for c in draft.citations],
                      "model": draft.model, "usage": draft.usage.model_dump(mode="json"), "cost_usd": draft.cost_usd},
            "info": generated.info.model_dump(mode="json")}


def decode_generated(stored: dict) -> Generated:
    draft = stored["draft"]
    return Generated(
        Draft(answer=draft["answer"], citations=[Citation.model_validate(c) for c in draft["citations"]],
              model=draft["model"], usage=TokenUsage.model_validate(draft["usage"]), cost_usd=draft["cost_usd"]),
        GenerationInfo.model_validate(stored["info"]),
    )


def span_attributes(generated: Generated) -> dict:
    """The generate span: what served and what the whole generation cost (its attempts are child spans)."""
    draft, info = generated.draft, generated.info
    return {
        "gen_ai.request.model": draft.model, "gen_ai.usage.input_tokens": draft.usage.input_tokens,
        "gen_ai.usage.output_tokens": draft.usage.output_tokens, "ragbus.cost_usd": draft.cost_usd,
        "ragbus.generation.rung": info.rung, "ragbus.generation.reason": info.reason,
        "ragbus.generation.cache_hit": info.cache_hit, "ragbus.generation.attempts": info.attempts,
        "ragbus.generation.billed_attempts": len(generated.billed),
        "ragbus.generation.context_tokens": info.context_tokens, "ragbus.generation.token_counter": info.token_counter,
        "ragbus.generation.dropped_chunk_ids": list(info.dropped_chunk_ids),
        "ragbus.prompt.id": info.prompt_variant, "ragbus.prompt.version": info.prompt_version,
    }
