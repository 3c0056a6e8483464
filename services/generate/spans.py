"""Span names and attributes of generation: the generate span, and one child span per model attempt.

Attribute names are the OpenTelemetry GenAI semantic conventions where they exist (imported from
`opentelemetry-semconv`, not retyped), `ragbus.*` for the rest. `gen_ai.system` is kept next to its newer
name `gen_ai.provider.name` for backends that read only one of them.
"""

from opentelemetry.semconv._incubating.attributes import gen_ai_attributes as gen_ai

from libs.models.billing import Billing

GENERATE_SPAN = "generate.model_call"
ATTEMPT_SPAN = "generate.attempt"
CACHE_HIT_SPAN = "generate.cache_hit"  # the draft cache served: no model call, nothing billed
SYSTEM = gen_ai.GenAiSystemValues.ANTHROPIC.value
OUTCOME = "ragbus.outcome"  # "served", or the reason code the attempt failed with
SERVED = "served"


def attempt_attributes(model: str, rung: str, number: int, outcome: str, billing: Billing | None,
                       cache_hit: bool = False) -> dict:
    """One model attempt (or the cache hit that stood in for one): who was asked, what it was billed, how it ended."""
    used = billing or Billing(model)
    return {
        gen_ai.GEN_AI_SYSTEM: SYSTEM, gen_ai.GEN_AI_PROVIDER_NAME: SYSTEM, gen_ai.GEN_AI_OPERATION_NAME: "chat",
        gen_ai.GEN_AI_REQUEST_MODEL: model,
        gen_ai.GEN_AI_USAGE_INPUT_TOKENS: used.input_tokens, gen_ai.GEN_AI_USAGE_OUTPUT_TOKENS: used.output_tokens,
        gen_ai.GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS: used.cache_write_tokens,
        gen_ai.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS: used.cache_read_tokens,
        "ragbus.cost_usd": float(used.cost_usd), "ragbus.billed": billing is not None,
        "ragbus.rung": rung, "ragbus.attempt": number, "ragbus.cache_hit": cache_hit, OUTCOME: outcome,
    }


def cache_hit_attributes(model: str, rung: str) -> dict:
    """A draft-cache hit: no `gen_ai.*` call attributes, as no model was called."""
    return {"ragbus.cached_model": model, "ragbus.rung": rung, "ragbus.cost_usd": 0.0, "ragbus.cache_hit": True,
            OUTCOME: SERVED}
