"""Which judge scores answers, chosen by settings: the evaluate service and `ragbus eval` build it the same way."""

from enum import Enum

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from libs.evaluation.judges import Judge, OfflineJudge
from libs.models.breakers import BreakerBoard
from libs.stores.cost_ledger import CostLedger


class JudgeChoice(str, Enum):
    AUTO = "auto"  # the LLM judge when ANTHROPIC_API_KEY is set, else the offline one
    OFFLINE = "offline"
    LLM = "llm"


class JudgeSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore")

    eval_judge: JudgeChoice = Field(
        JudgeChoice.AUTO, description="auto (LLM judge when ANTHROPIC_API_KEY is set, else offline), offline or llm."
    )
    eval_judge_model: str = Field("claude-haiku-4-5", description="Model of the LLM judge; part of the judge's name.")
    eval_judge_repeats: int = Field(3, ge=1, le=10, description="Times the LLM judge scores each answer.")
    eval_judge_timeout_s: float = Field(30.0, gt=0, description="Longest one judge call may take, retries included.")
    eval_judge_max_retries: int = Field(2, ge=0, description="SDK retries of a judge call (they honour retry-after).")
    eval_judge_max_tokens: int = Field(200, ge=32, description="Output tokens a judge reply may use.")
    anthropic_api_key: SecretStr | None = Field(None, description="Claude API key; without it `auto` is offline.")
    anthropic_base_url: str | None = Field(None, description="Messages API base URL (a local fake in tests).")
    breaker_fail_max: int = Field(5, ge=1, description="Consecutive failed calls that open the judge model's breaker.")
    breaker_reset_timeout_s: float = Field(30.0, gt=0, description="How long an open breaker waits for a trial call.")

    @field_validator("anthropic_api_key", mode="before")
    @classmethod
    def empty_key_is_no_key(cls, value):
        return None if isinstance(value, str) and not value.strip() else value  # compose passes ${KEY:-}

    @model_validator(mode="after")
    def llm_needs_a_key(self) -> "JudgeSettings":
        if self.eval_judge is JudgeChoice.LLM and self.anthropic_api_key is None:
            raise ValueError("EVAL_JUDGE=llm needs ANTHROPIC_API_KEY (or choose offline or auto)")
        return self

    def uses_llm(self) -> bool:
        return self.eval_judge is JudgeChoice.LLM or (
            self.eval_judge is JudgeChoice.AUTO and self.anthropic_api_key is not None
        )

    def board(self) -> BreakerBoard:
        return BreakerBoard(self.breaker_fail_max, self.breaker_reset_timeout_s)


def build_judge(settings: JudgeSettings, board: BreakerBoard | None = None, ledger: CostLedger | None = None) -> Judge:
    if not settings.uses_llm():
        return OfflineJudge()
    from libs.evaluation.llm_judge import LlmJudge
    from libs.models.anthropic_generator import AnthropicGenerator, anthropic_client

    client = anthropic_client(settings.anthropic_api_key.get_secret_value(), settings.anthropic_base_url,
                              settings.eval_judge_timeout_s, settings.eval_judge_max_retries)
    caller = AnthropicGenerator(client, settings.eval_judge_model, settings.eval_judge_max_tokens)
    breaker = (board or settings.board()).breaker(settings.eval_judge_model)
    return LlmJudge(caller, breaker, settings.eval_judge_repeats, settings.eval_judge_timeout_s, ledger)
