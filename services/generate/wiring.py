"""Builds the generate service's dependencies from settings: offline only without a key, else the ladder.

Prompt files and the variant split are read and checked here, so a bad one stops the service at start-up.
"""

import asyncpg

from libs.models.breakers import BreakerBoard, observe_breakers
from libs.models.context_budget import CharRatioCounter, ContextLimits
from libs.models.draft_cache import GuardedCache, NoCache, TtlLruCache
from libs.models.extractive import ExtractiveGenerator
from libs.models.prompt_files import PromptFileError, load_prompts
from libs.models.prompts import PromptRegistry
from libs.models.variant_split import VariantSplit, parse_split
from libs.stores.cost_ledger import PostgresCostLedger
from libs.stores.response_cache import PostgresDraftCache
from services.generate.costs import TenantBudgets
from services.generate.ladder import ModelRung, RetryPolicy, TimePolicy
from services.generate.service import GenerateDeps, decode_generated, encode_generated
from services.generate.settings import GenerateSettings

RUNG_NAMES = ("primary", "secondary")


def build_deps(settings: GenerateSettings, board: BreakerBoard | None = None) -> GenerateDeps:
    prompts = load_prompts(settings.prompts_dir)
    return GenerateDeps(
        offline=ExtractiveGenerator(settings.extractive_max_sentences, settings.extractive_min_overlap),
        counter=CharRatioCounter(settings.chars_per_token),
        limits=ContextLimits(
            settings.context_window_tokens, reserved_output_tokens(settings), settings.duplicate_similarity
        ),
        cache=in_process_cache(settings),
        rungs=build_rungs(settings, board or BreakerBoard(settings.breaker_fail_max, settings.breaker_reset_timeout_s)),
        retry=RetryPolicy(
            max_attempts=settings.anthropic_max_retries + 1, attempt_timeout_s=settings.anthropic_timeout_s,
            backoff_initial_s=settings.retry_initial_backoff_s, backoff_max_s=settings.retry_max_backoff_s,
        ),
        timing=TimePolicy(settings.deadline_reserve_s, settings.rung_time_share),
        budgets=TenantBudgets(settings.tenant_daily_budget_usd, settings.tenant_budgets_usd, settings.ledger_timeout_s),
        prompts=prompts,
        split=variant_split(settings, prompts),
    )


def in_process_cache(settings: GenerateSettings) -> TtlLruCache | NoCache:
    """The in-process cache when chosen; else none until PostgreSQL is open (`attach_database`)."""
    memory = settings.cache_store == "memory"
    return TtlLruCache(settings.cache_max_entries, settings.cache_ttl_s) if memory else NoCache()


def variant_split(settings: GenerateSettings, prompts: PromptRegistry) -> VariantSplit:
    percent = parse_split(settings.prompt_variant_split)
    missing = [variant for variant in percent if variant not in prompts]
    if missing:
        raise PromptFileError(f"PROMPT_VARIANT_SPLIT names {missing}, which have no file in {settings.prompts_dir}")
    return VariantSplit(percent, settings.prompt_variant_sticky_by)


def attach_database(deps: GenerateDeps, pool: asyncpg.Pool, settings: GenerateSettings) -> None:
    """Once PostgreSQL is open: the cost ledger, and the shared draft cache unless the in-process one is chosen."""
    deps.ledger = PostgresCostLedger(pool)
    if settings.cache_store == "postgres":
        store = PostgresDraftCache(pool, settings.cache_ttl_s, encode_generated, decode_generated,
                                   settings.cache_purge_interval_s)
        deps.cache = GuardedCache(store, settings.cache_timeout_s)


def reserved_output_tokens(settings: GenerateSettings) -> int:
    """The answer's tokens plus the thinking allowance: both are output that counts toward `max_tokens`."""
    return settings.max_output_tokens + settings.anthropic_thinking_tokens


def build_rungs(settings: GenerateSettings, board: BreakerBoard) -> list[ModelRung]:
    if settings.anthropic_api_key is None:
        return []
    from anthropic import AsyncAnthropic

    client = AsyncAnthropic(
        api_key=settings.anthropic_api_key.get_secret_value(), base_url=settings.anthropic_base_url,
        timeout=settings.anthropic_timeout_s, max_retries=0,  # retries are the ladder's (tenacity), see ADR 0006
    )
    models = [m for m in (settings.anthropic_model, settings.anthropic_fallback_model) if m]
    observe_breakers(board)
    return [
        ModelRung(name, generator(client, model, settings), board.breaker(model))
        for name, model in zip(RUNG_NAMES, models)
    ]


def generator(client, model: str, settings: GenerateSettings):
    from libs.models.anthropic_generator import AnthropicGenerator

    return AnthropicGenerator(
        client, model, settings.max_output_tokens, thinking_tokens=settings.anthropic_thinking_tokens,
        effort=settings.anthropic_effort, extra_prices=settings.model_prices_usd_per_mtok,
    )
