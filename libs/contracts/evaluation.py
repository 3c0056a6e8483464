"""Messages of online evaluation and operations (eval.*, ops.* topics)."""

from pydantic import BaseModel, Field

from libs.contracts.envelope import Envelope, new_id, utcnow
from datetime import datetime


class AnswerScored(Envelope):
    """A sampled production answer got a score (eval.answer-scored.v1)."""

    metric: str
    value: float | None = Field(description="None means the judge could not measure it.")
    judge: str
    judge_version: str
    variant: str = "default"
    spread: float | None = Field(None, description="Max - min of the judge's repeated measurements; None: fewer than two.")
    repeats: int = Field(1, description="Measurements the value is the mean of (0 when unmeasured).")


class AlertRaised(Envelope):
    """Something an operator must look at (ops.alert-raised.v1)."""

    alert: str
    severity: str = "warning"
    summary: str
    runbook: str


class DeadLetter(BaseModel):
    """A message a stage could not process (ops.dead-lettered.v1), with what is needed to replay it."""

    event_id: str = Field(default_factory=new_id)
    occurred_at: datetime = Field(default_factory=utcnow)
    consumer_group: str
    source_topic: str
    partition: int
    offset: int
    reason: str
    error: str
    original_key: str | None = None
    original_value_b64: str
    original_headers: dict[str, str] = Field(default_factory=dict)
    original_size: int | None = Field(None, description="Bytes of the original value (None: written before it was recorded).")
    original_sha256: str | None = Field(None, description="SHA-256 (hex) of the whole original value.")
    original_truncated: bool = Field(
        False, description="The value (first 256 KiB kept) or headers were cut so the dead letter fits a Kafka request.")
