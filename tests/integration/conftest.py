"""One local stack per test session: Tansu broker, Chroma server, the five services, real PostgreSQL."""

import os
import uuid

import pytest

from libs.devstack.stack import SERVICES, LocalStack, StackConfig
from libs.testing.support import free_port

DATABASE_URL = os.environ.get("RAGBUS_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    config = StackConfig(
        run_dir=tmp_path_factory.mktemp("stack"),
        kafka_port=free_port(),
        chroma_port=free_port(),
        health_ports={name: free_port() for name in SERVICES},
        database_url=DATABASE_URL,
        extra_env={"KAFKA_SESSION_TIMEOUT_MS": "2000", "KAFKA_HEARTBEAT_INTERVAL_MS": "300", "EVAL_SAMPLE_RATE": "0.5",
                   "EVAL_DRIFT_WINDOW": "10", "EVAL_DRIFT_BASELINE_WINDOW": "10", "EVAL_DRIFT_MAX_DROP": "0.2"},
    )
    local = LocalStack(config)
    try:
        local.up()
        yield local
    finally:
        local.down()


@pytest.fixture
def tenant() -> str:
    """A tenant no other test or run uses, so tests never see each other's documents."""
    return f"t-{uuid.uuid4().hex[:10]}"
