"""Drafting an answer as plain functions: context budget, cache, tenant budget, fallback ladder, cost ledger.

Nothing here fails a request: every model failure ends on a lower rung, the last one offline.
"""

from dataclasses import dataclass, field, replace
from functools import partial

from libs.contracts.questions import Citation, ContextRetrieved, GenerationInfo, TokenUsage
from libs.models.context_budget import ContextLimits, ContextPlan, TokenCounter, plan_context
from libs.models.draft_cache import DraftCache, cache_key
from libs.models.extractive import ExtractiveGenerator
from libs.models.generation import Draft
from libs.models.prompt_files import bundled_prompts
from libs.models.prompts import PromptRegistry, PromptTemplate, render
from libs.models.variant_split import VariantSplit
from libs.stores.cost_ledger import CostEntry, CostLedger, record_cost
from services.generate.costs import TenantBudgets, over_budget
from services.generate.ladder import ModelRung, RetryPolicy, TimePolicy, climb

OFFLINE = "offline"


@dataclass(frozen=True)
class Generated:
    draft: Draft
    info: GenerationInfo


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


def as_cache_hit(cached: Generated) -> Generated:
    """The cached draft, costing nothing this time."""
    draft = replace(cached.draft, usage=TokenUsage(), cost_usd=0.0)
    return Generated(draft, cached.info.model_copy(update={"cache_hit": True, "reason": "", "attempts": 0}))


async def from_models(context: ContextRetrieved, plan: ContextPlan, template: PromptTemplate, deps: GenerateDeps) -> Generated:
    state = context.state
    describe = partial(info_for, plan, template, deps.counter)
    if await over_budget(context.tenant, deps.budgets, deps.ledger):
        return offline_answer(state.question, plan, describe(rung=OFFLINE, reason="budget_exceeded"), deps)
    if not plan.fits:
        return offline_answer(state.question, plan, describe(rung=OFFLINE, reason="context_overflow"), deps)
    prompt = render(template, state.question, plan.chunks)
    result = await climb(deps.rungs, prompt, state.deadline, deps.timing, deps.retry)
    if result.draft is not None:
        return Generated(result.draft, describe(rung=result.rung, reason=result.reason, attempts=result.attempts))
    info = describe(rung=OFFLINE, reason=result.reason, attempts=result.attempts + 1)
    return offline_answer(state.question, plan, info, deps)


async def generate(context: ContextRetrieved, deps: GenerateDeps) -> Generated:
    state = context.state
    template = deps.prompts.template_for(state.variant)
    if not deps.rungs:  # offline only (no API key): no prompt to budget, as fast as the extractive generator alone
        info = GenerationInfo(rung=OFFLINE, prompt_variant=template.id, prompt_version=template.version)
        return Generated(deps.offline.answer(state.question, context.chunks), info)
    plan = plan_context(state.question, context.chunks, template, deps.counter, deps.limits)
    key = cache_key(context.tenant, template, deps.rungs[0].caller.model, state.question, plan.chunks)
    cached = await deps.cache.get(key)
    generated = as_cache_hit(cached) if cached is not None else await from_models(context, plan, template, deps)
    if cached is None and generated.info.rung != OFFLINE:
        await deps.cache.put(key, generated)
    await record_cost(cost_entry(context, generated), deps.ledger, deps.budgets.lookup_timeout_s)
    return generated


def cost_entry(context: ContextRetrieved, generated: Generated) -> CostEntry:
    draft, info = generated.draft, generated.info
    return CostEntry(
        request_id=context.request_id, tenant=context.tenant, variant=context.state.variant, model=draft.model,
        rung=info.rung, input_tokens=draft.usage.input_tokens, output_tokens=draft.usage.output_tokens,
        cost_usd=draft.cost_usd, cache_hit=info.cache_hit,
    )


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
    draft, info = generated.draft, generated.info
    return {
        "gen_ai.request.model": draft.model, "gen_ai.usage.input_tokens": draft.usage.input_tokens,
        "gen_ai.usage.output_tokens": draft.usage.output_tokens, "ragbus.cost_usd": draft.cost_usd,
        "ragbus.generation.rung": info.rung, "ragbus.generation.reason": info.reason,
        "ragbus.generation.cache_hit": info.cache_hit, "ragbus.generation.attempts": info.attempts,
        "ragbus.prompt.id": info.prompt_variant, "ragbus.prompt.version": info.prompt_version,
    }
