"""What generation records for Prometheus: tokens and cost by model, tenant and variant; the rung that served
and why; cache hits. Labels are model names, tenants, variants and reason codes, never request ids or text."""

from libs.contracts.questions import ContextRetrieved
from libs.platform.metrics import CACHE_LOOKUPS, GENERATION_RUNG, MODEL_COST, MODEL_TOKENS, counter
from services.generate.service import Generated


def rung_reason(reason: str) -> str:
    """Why the draft came from its rung, as one code: "primary:overloaded; secondary:timeout" → "timeout" (the
    failure of the rung just above); a reason without rungs ("budget_exceeded") is kept as it is."""
    last = reason.rsplit(";", 1)[-1].strip()
    return last.split(":", 1)[-1]


def record_generation(context: ContextRetrieved, generated: Generated, cache_consulted: bool) -> None:
    draft, info = generated.draft, generated.info
    who = {"model": draft.model, "tenant": context.tenant, "variant": context.state.variant}
    counter(MODEL_TOKENS).add(draft.usage.input_tokens, {**who, "direction": "input"})
    counter(MODEL_TOKENS).add(draft.usage.output_tokens, {**who, "direction": "output"})
    counter(MODEL_COST).add(draft.cost_usd, who)
    counter(GENERATION_RUNG).add(1, {"rung": info.rung, "reason": rung_reason(info.reason)})
    if cache_consulted:
        counter(CACHE_LOOKUPS).add(1, {"result": "hit" if info.cache_hit else "miss"})
