from pydantic import Field

from libs.platform.settings import ChromaSettings, ServiceSettings


class IngestSettings(ServiceSettings):
    health_port: int = Field(8081, description="Port of /healthz and /readyz.")
    chroma: ChromaSettings = Field(default_factory=ChromaSettings)
    chunk_chars: int = Field(800, ge=100, description="Target chunk size in characters.")
    chunk_overlap_chars: int = Field(100, ge=0, description="Characters repeated between consecutive chunks.")
