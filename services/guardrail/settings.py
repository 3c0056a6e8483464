from pydantic import Field

from libs.platform.settings import DatabaseSettings, ServiceSettings


class GuardrailSettings(ServiceSettings, DatabaseSettings):
    health_port: int = Field(8084, description="Port of /healthz and /readyz.")
    max_question_chars: int = Field(16000, ge=1, description="Longer questions are blocked as oversized (a pasted e-mail thread fits).")
