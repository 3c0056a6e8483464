"""The project's fake Messages API (`libs/testing/fake_anthropic.py`) in a process of its own, answering at once,
and the environment that points the generate service at it."""

import sys
from pathlib import Path

from libs.devstack.broker import port_open
from libs.devstack.processes import ManagedProcess, wait_until


def start_fake_model(port: int, run_dir: Path) -> ManagedProcess:
    """No faults and no delay: the model answers as fast as the fake server can build a message."""
    command = [sys.executable, "-m", "libs.testing.fake_anthropic", "--port", str(port)]
    process = ManagedProcess("fake-anthropic", command, run_dir)
    if port_open(port):
        raise RuntimeError(f"port {port} is taken: pick another --port-base")
    process.start()
    wait_until(lambda: port_open(port), 30, "fake Anthropic server", process)
    return process


def generate_env(base_url: str) -> dict[str, str]:
    """The model ladder against the fake server; no draft cache, so every question calls the model; a budget no
    run reaches (the ledger is still read and written, as in production)."""
    return {"ANTHROPIC_API_KEY": "bench-key", "ANTHROPIC_BASE_URL": base_url, "CACHE_STORE": "memory",
            "CACHE_MAX_ENTRIES": "0", "TENANT_DAILY_BUDGET_USD": "1000000"}
