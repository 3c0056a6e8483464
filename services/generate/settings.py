from pydantic import Field, SecretStr

from libs.platform.settings import ServiceSettings


class GenerateSettings(ServiceSettings):
    health_port: int = Field(8083, description="Port of /healthz and /readyz.")
    anthropic_api_key: SecretStr | None = Field(None, description="Claude API key; without it the offline generator answers.")
    anthropic_base_url: str | None = Field(None, description="Messages API base URL (a local fake in tests).")
    anthropic_model: str = Field("claude-sonnet-4-5", description="Model of the first rung.")
    anthropic_timeout_s: float = Field(30.0, gt=0, description="Per-call timeout of the model API.")
    anthropic_max_retries: int = Field(2, ge=0, description="SDK retries (backoff honours retry-after).")
    extractive_min_overlap: float = Field(0.34, ge=0, description="Offline generator: least share of question words a sentence must hold.")
    extractive_max_sentences: int = Field(2, ge=1, description="Offline generator: most sentences in an answer.")
