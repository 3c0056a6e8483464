"""One local stack per test session: Tansu broker, Chroma server, the five services, real PostgreSQL."""

import uuid

import pytest

from libs.devstack.stack import LocalStack
from libs.testing.support import TEST_DATABASE_URL, isolated_stack_config

DATABASE_URL = TEST_DATABASE_URL


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    local = LocalStack(isolated_stack_config(tmp_path_factory.mktemp("stack"), DATABASE_URL))
    try:
        local.up()
        yield local
    finally:
        local.down()


@pytest.fixture
def tenant() -> str:
    """A tenant no other test or run uses, so tests never see each other's documents."""
    return f"t-{uuid.uuid4().hex[:10]}"
