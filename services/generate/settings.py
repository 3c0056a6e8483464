from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator

from libs.models.prompt_files import PROMPTS_DIR
from libs.models.variant_split import StickyBy, parse_split
from libs.platform.settings import DatabaseSettings, ServiceSettings


class GenerateSettings(ServiceSettings, DatabaseSettings):
    health_port: int = Field(8083, description="Port of /healthz and /readyz.")
    consumer_workers: int = Field(
        1, ge=1, le=32, description="Requests generated at once: consumers of the group in this process, one per "
                                   "partition at most. 3 took make faults from 55 of 200 answers past their deadline "
                                   "to 0; 1 stays the default until rebalances after restarts are measured with it.",
    )
    anthropic_api_key: SecretStr | None = Field(None, description="Claude API key; without it the offline generator answers.")
    anthropic_base_url: str | None = Field(None, description="Messages API base URL (a local fake in tests).")
    anthropic_model: str = Field("claude-sonnet-5-5", description="Model of the first rung.")
    anthropic_fallback_model: str = Field("claude-haiku-4-5", description="Cheaper model of the second rung; empty: no second rung.")
    anthropic_effort: Literal["low", "medium", "high"] | None = Field("low", description="output_config.effort for models that take it; empty: theirs.")
    anthropic_thinking_tokens: int = Field(1024, ge=0, description="Thinking tokens on top of MAX_OUTPUT_TOKENS for models that think; 0: thinking off.")
    model_prices_usd_per_mtok: dict[str, tuple[float, float] | tuple[float, float, float, float]] = Field(
        default_factory=dict, description='Prices the built-in table lacks, USD/MTok in, out[, cache write, cache read]: '
        '{"claude-x": [2, 10]} (cache write then 1.25 × in, cache read 0.1 × in).')
    anthropic_timeout_s: float = Field(30.0, gt=0, description="Longest one model call may take (less when the deadline is nearer).")
    anthropic_max_retries: int = Field(2, ge=0, description="Retries per model rung (tenacity; backoff honours retry-after).")
    max_output_tokens: int = Field(512, ge=16, description="Answer tokens asked for, reserved in the context budget with the thinking tokens.")
    retry_initial_backoff_s: float = Field(0.25, gt=0, description="First backoff between retries, doubled each time, with jitter.")
    retry_max_backoff_s: float = Field(4.0, gt=0, description="Longest backoff between retries.")
    breaker_fail_max: int = Field(5, ge=1, description="Consecutive failed calls that open a model's circuit breaker.")
    breaker_reset_timeout_s: float = Field(30.0, gt=0, description="How long a breaker stays open before one trial call.")
    deadline_reserve_s: float = Field(0.5, ge=0, description="Time before the deadline kept for the offline rung and the hop to the guardrail.")
    rung_time_share: float = Field(0.6, gt=0, le=1, description="Share of the time left a model rung may use (the last one: all).")
    context_window_tokens: int = Field(8192, ge=256, description="Most tokens one call may use: prompt plus reserved output.")
    chars_per_token: float = Field(2.7, gt=0, description="Local token estimate: characters per token (Sonnet 5.x tokenizer).")
    duplicate_similarity: float = Field(0.8, gt=0, le=1, description="Jaccard of word 3-shingles from which a chunk is a near-duplicate.")
    prompts_dir: Path = Field(PROMPTS_DIR, description="Folder of the prompt files, <variant>.yaml; checked at start-up.")
    prompt_variant_split: str = Field("", description='Percent of traffic per prompt variant, "concise=10"; the rest: default; 0 or empty: rollback.')
    prompt_variant_sticky_by: StickyBy = Field("request", description="What the split hashes: request (id) or tenant.")
    cache_store: Literal["postgres", "memory"] = Field("postgres", description="Where drafts are cached: postgres (shared, survives restarts) or memory (this process).")
    cache_max_entries: int = Field(1024, ge=0, description="Drafts kept in the in-process cache (0: no cache).")
    cache_ttl_s: float = Field(600.0, gt=0, description="How long a cached draft is served.")
    cache_timeout_s: float = Field(0.5, gt=0, description="Longest a cache read or write may take; then it is a miss.")
    cache_purge_interval_s: float = Field(300.0, gt=0, description="PostgreSQL cache: how often expired drafts are deleted.")
    tenant_daily_budget_usd: float | None = Field(20.0, ge=0, description='Model spend per tenant per UTC day, then offline; "off": no limit.')
    tenant_budgets_usd: dict[str, float] = Field(default_factory=dict, description='Per-tenant overrides, JSON: {"acme": 50}.')
    ledger_timeout_s: float = Field(0.5, gt=0, description="Longest a cost ledger read or write may take.")
    extractive_min_overlap: float = Field(0.34, ge=0, description="Offline generator: least share of question words a sentence must hold.")
    extractive_max_sentences: int = Field(2, ge=1, description="Offline generator: most sentences in an answer.")

    @field_validator("tenant_daily_budget_usd", mode="before")
    @classmethod
    def no_limit_when_off(cls, value):
        return None if isinstance(value, str) and value.strip().lower() in {"", "off", "none"} else value

    @field_validator("anthropic_effort", mode="before")
    @classmethod
    def default_effort_when_empty(cls, value):
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("prompt_variant_split")
    @classmethod
    def split_is_readable(cls, value: str) -> str:
        parse_split(value)  # raises with what is wrong
        return value
