from pydantic import Field

from libs.platform.settings import ChromaSettings, ServiceSettings


class RetrieveSettings(ServiceSettings):
    health_port: int = Field(8082, description="Port of /healthz and /readyz.")
    chroma: ChromaSettings = Field(default_factory=ChromaSettings)
