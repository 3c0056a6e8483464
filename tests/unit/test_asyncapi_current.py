"""The committed AsyncAPI description must match the code (`make asyncapi` regenerates it)."""

import importlib.util
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("generate_asyncapi", ROOT / "scripts" / "generate_asyncapi.py")
generate_asyncapi = importlib.util.module_from_spec(spec)
spec.loader.exec_module(generate_asyncapi)


@pytest.mark.parametrize("service", generate_asyncapi.SERVICES)
def test_committed_asyncapi_matches_the_code(service, monkeypatch):
    monkeypatch.delenv("KAFKA_BOOTSTRAP_SERVERS", raising=False)
    committed = yaml.safe_load((ROOT / "docs" / "asyncapi" / f"{service}.yaml").read_text(encoding="utf-8"))
    assert yaml.safe_load(generate_asyncapi.render(service)) == committed, "run `make asyncapi` and commit the result"
