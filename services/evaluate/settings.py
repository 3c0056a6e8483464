from pydantic import Field

from libs.platform.settings import DatabaseSettings, ServiceSettings


class EvaluateSettings(ServiceSettings, DatabaseSettings):
    health_port: int = Field(8085, description="Port of /healthz and /readyz.")
    eval_sample_rate: float = Field(0.1, ge=0.0, le=1.0, description="Share of answers scored, by request-id hash.")
