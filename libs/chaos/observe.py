"""What a suite reads from a running stack besides answers: service liveness and breaker state."""

import asyncio
import json
import re
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from libs.devstack.processes import http_ok
from libs.devstack.stack import LocalStack

BREAKER_SAMPLE = re.compile(r'^ragbus_breaker_state\w*\{[^}]*model="([^"]+)"[^}]*\}\s+([0-9.eE+-]+)', re.MULTILINE)
STATE_NAMES = {0: "closed", 1: "half-open", 2: "open"}


def services_alive(stack: LocalStack, pids_before: dict[str, int | None]) -> dict[str, dict]:
    """Per service: process running, same PID as before (not restarted), /healthz and /readyz answering."""
    port = stack.config.health_ports
    return {
        name: {
            "running": process.running(),
            "same_pid": process.pid == pids_before.get(name),
            "healthz": http_ok(f"http://127.0.0.1:{port[name]}/healthz"),
            "readyz": http_ok(stack.readiness_url(name)),
        }
        for name, process in stack.services.items()
    }


def alive(status: dict) -> bool:
    return all(status.values())


def breaker_states(metrics_text: str) -> dict[str, str]:
    return {model: STATE_NAMES.get(int(float(value)), value) for model, value in BREAKER_SAMPLE.findall(metrics_text)}


def read_metrics(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.read().decode("utf-8", "replace")
    except OSError:
        return ""


@dataclass
class BreakerWatch:
    """Scrapes a service's /metrics while a run flows and keeps every breaker state change it saw."""

    metrics_url: str
    every_s: float = 0.25
    changes: list[dict] = field(default_factory=list)
    samples: int = 0
    _last: dict[str, str] = field(default_factory=dict)

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self.sample()
            try:
                await asyncio.wait_for(stop.wait(), self.every_s)
            except TimeoutError:
                pass
        self.sample()

    def sample(self) -> None:
        states = breaker_states(read_metrics(self.metrics_url))
        self.samples += 1
        for model, state in states.items():
            if self._last.get(model) != state:
                self.changes.append({"model": model, "from": self._last.get(model), "to": state, "sample": self.samples})
            self._last[model] = state


def logged_breaker_changes(log_file: Path, from_byte: int) -> list[dict]:
    """`circuit breaker state changed` lines the service logged after `from_byte` of its log file."""
    with log_file.open("rb") as log:
        log.seek(from_byte)
        lines = log.read().decode("utf-8", "replace").splitlines()
    changes = []
    for line in lines:
        if "circuit breaker state changed" not in line:
            continue
        try:
            event = json.loads(line)
        except ValueError:
            continue
        changes.append({key: event.get(key) for key in ("timestamp", "model", "old_state", "new_state", "failures")})
    return changes
