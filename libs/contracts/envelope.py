"""The envelope every event carries, so logs, traces, scores and costs join on the same ids."""

from datetime import UTC, datetime
from uuid import uuid4

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = 1
TENANT_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"


def new_id() -> str:
    return uuid4().hex


def utcnow() -> datetime:
    return datetime.now(UTC)


class Envelope(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    event_id: str = Field(default_factory=new_id, description="Unique id of this event.")
    request_id: str = Field(min_length=1, max_length=128, description="Correlation id shared by every event of one request.")
    tenant: str = Field(pattern=TENANT_PATTERN, description="Tenant the request or document belongs to.")
    occurred_at: datetime = Field(default_factory=utcnow)
    schema_version: int = Field(default=SCHEMA_VERSION, ge=1, le=SCHEMA_VERSION)

    def envelope_for_next(self) -> dict:
        """Fields of the next event of the same request: same request id and tenant, new event id."""
        return {"request_id": self.request_id, "tenant": self.tenant}
