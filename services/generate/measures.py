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


def paid_calls(generated: Generated) -> list[tuple[str, int, int, float]]:
    """(model, input tokens, output tokens, cost) per ledger row; the draft alone when no rows were made."""
    if generated.costs:
        return [(c.model, c.input_tokens, c.output_tokens, float(c.cost_usd)) for c in generated.costs]
    draft = generated.draft
    return [(draft.model, draft.usage.input_tokens, draft.usage.output_tokens, draft.cost_usd)]


def record_generation(context: ContextRetrieved, generated: Generated, cache_consulted: bool) -> None:
    """Tokens and cost per ledger row, so a billed call that was rejected counts against the model that made it."""
    info = generated.info
    for model, input_tokens, output_tokens, cost_usd in paid_calls(generated):
        who = {"model": model, "tenant": context.tenant, "variant": context.state.variant}
        counter(MODEL_TOKENS).add(input_tokens, {**who, "direction": "input"})
        counter(MODEL_TOKENS).add(output_tokens, {**who, "direction": "output"})
        counter(MODEL_COST).add(cost_usd, who)
    counter(GENERATION_RUNG).add(1, {"rung": info.rung, "reason": rung_reason(info.reason)})
    if cache_consulted:
        counter(CACHE_LOOKUPS).add(1, {"result": "hit" if info.cache_hit else "miss"})
