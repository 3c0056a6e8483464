"""Settings shared by every service, read from the environment (pydantic-settings)."""

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

RUN_DIR = Path(".ragbus")


class KafkaSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KAFKA_", extra="ignore")

    bootstrap_servers: str = Field("127.0.0.1:9092", description="Comma-separated host:port list.")
    security_protocol: str = Field("PLAINTEXT", description="PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL.")
    sasl_mechanism: str = Field("PLAIN", description="PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512.")
    sasl_username: str | None = Field(None, description="SASL user, when the protocol uses SASL.")
    sasl_password: SecretStr | None = Field(None, description="SASL password, when the protocol uses SASL.")
    topic_partitions: int = Field(3, ge=1, description="Partitions per topic when ragbus creates topics.")
    session_timeout_ms: int = Field(6000, ge=1000, description="Consumer session timeout (Kafka's minimum is 6000 by default).")
    heartbeat_interval_ms: int = Field(500, ge=100, description="Consumer heartbeat interval.")
    fetch_max_wait_ms: int = Field(20, ge=1, description="Longest an idle fetch waits; bounds per-hop latency.")


class ServiceSettings(BaseSettings):
    """What every service needs; each service's settings extend it."""

    model_config = SettingsConfigDict(extra="ignore")

    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    log_level: str = Field("INFO", description="Log level of the service's JSON logs.")
    health_host: str = Field("127.0.0.1", description="Interface of the health endpoint (0.0.0.0 in containers).")
    health_port: int = Field(8080, description="Port of /healthz and /readyz.")
    trace_file: Path | None = Field(None, description="Append finished spans as JSON lines here (local tracing).")
    otel_exporter_otlp_endpoint: str | None = Field(None, description="OTLP gRPC endpoint for traces.")
    handler_attempts: int = Field(3, ge=1, description="Attempts at processing a message before dead-lettering it.")
    consumer_lag_interval_s: float = Field(15.0, ge=0, description="Seconds between readings of the service's consumer lag (0: not read).")


class DatabaseSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore")

    database_url: str = Field(
        "postgresql://postgres@127.0.0.1:5432/test", description="PostgreSQL DSN (asyncpg)."
    )


class ChromaSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CHROMA_", extra="ignore")

    url: str | None = Field(None, description="Chroma server URL; when unset an embedded store at `path` is used.")
    path: Path = Field(RUN_DIR / "chroma", description="Directory of the embedded Chroma store.")
    collection: str = Field("chunks", description="Collection holding every tenant's chunks.")
