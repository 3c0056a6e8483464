"""Starts and stops the whole local stack; `ragbus up` and the end-to-end tests use the same code."""

import sys
from dataclasses import dataclass, field
from pathlib import Path

from libs.devstack.broker import port_open, start_broker, tansu_process
from libs.devstack.postgres import embedded_process, reachable, start_embedded
from libs.devstack.processes import ManagedProcess, http_ok, python_module, wait_until

SERVICES = ("ingest", "retrieve", "generate", "guardrail", "evaluate")
DEFAULT_HEALTH_PORTS = {"ingest": 8081, "retrieve": 8082, "generate": 8083, "guardrail": 8084, "evaluate": 8085}


@dataclass
class StackConfig:
    run_dir: Path = Path(".ragbus")
    kafka_port: int = 9092
    chroma_port: int = 8000
    health_ports: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_HEALTH_PORTS))
    database_url: str = "postgresql://postgres@127.0.0.1:5432/test"
    partitions: int = 3
    extra_env: dict[str, str] = field(default_factory=dict)

    @classmethod
    def at(cls, run_dir: Path, port_base: int | None = None, **options) -> "StackConfig":
        """A stack in its own folder; with a port base, broker = base, Chroma = base+1, services base+2.. base+6."""
        if port_base is None:
            return cls(run_dir=run_dir, **options)
        health = {name: port_base + 2 + n for n, name in enumerate(SERVICES)}
        return cls(run_dir=run_dir, kafka_port=port_base, chroma_port=port_base + 1, health_ports=health, **options)

    @property
    def bootstrap_servers(self) -> str:
        return f"127.0.0.1:{self.kafka_port}"

    @property
    def trace_file(self) -> Path:
        return self.run_dir / "traces.jsonl"

    def service_env(self, service: str) -> dict[str, str]:
        return {
            "KAFKA_BOOTSTRAP_SERVERS": self.bootstrap_servers,
            "CHROMA_URL": f"http://127.0.0.1:{self.chroma_port}",
            "DATABASE_URL": self.database_url,
            "HEALTH_PORT": str(self.health_ports[service]),
            "TRACE_FILE": str(self.trace_file.resolve()),
            "HF_HUB_OFFLINE": "1",
            **self.extra_env,
        }


class LocalStack:
    def __init__(self, config: StackConfig) -> None:
        self.config = config
        run_dir = config.run_dir
        self.broker = tansu_process(config.kafka_port, run_dir)
        self.chroma = ManagedProcess(
            "chroma",
            [str(Path(sys.executable).parent / "chroma"), "run", "--path", str(run_dir / "chroma"),
             "--host", "127.0.0.1", "--port", str(config.chroma_port)],
            run_dir,
        )
        self.services = {
            name: ManagedProcess(name, python_module(f"services.{name}"), run_dir, config.service_env(name))
            for name in SERVICES
        }

    def readiness_url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.config.health_ports[service]}/readyz"

    def up(self, progress=lambda message: None) -> None:
        self.config.run_dir.mkdir(parents=True, exist_ok=True)
        self._ensure_database(progress)
        progress(f"broker on {self.config.bootstrap_servers}")
        self.broker = start_broker(self.config.kafka_port, self.config.run_dir, self.config.partitions)
        progress(f"chroma on 127.0.0.1:{self.config.chroma_port}")
        if port_open(self.config.chroma_port):
            raise RuntimeError(f"port {self.config.chroma_port} is taken: is a stack already running? (`ragbus down`)")
        self.chroma.start()
        heartbeat = f"http://127.0.0.1:{self.config.chroma_port}/api/v2/heartbeat"
        wait_until(lambda: http_ok(heartbeat), 30, "chroma", self.chroma)
        for service in self.services.values():
            service.start()
        for name, service in self.services.items():
            wait_until(lambda: http_ok(self.readiness_url(name)), 90, name, service)
            progress(f"{name} ready on {self.readiness_url(name)}")

    def _ensure_database(self, progress) -> None:
        if reachable(self.config.database_url):
            return
        progress(f"no PostgreSQL at {self.config.database_url}: starting an embedded one in {self.config.run_dir}")
        self.config.database_url = start_embedded(self.config.run_dir)
        for name, service in self.services.items():
            service.env = self.config.service_env(name)

    def restart_service(self, name: str, env: dict[str, str] | None = None) -> None:
        """Start the service again (after a crash or a stop), optionally with a different environment."""
        service = self.services[name]
        service.stop()
        service.env = {**self.config.service_env(name), **(env or {})}
        service.start()
        wait_until(lambda: http_ok(self.readiness_url(name)), 90, name, self.services[name])

    def restart_broker(self) -> None:
        """Stop the broker and start it again with every topic. Tansu here keeps its log in memory only:
        whatever was on the topics, and every committed offset, is gone."""
        self.broker.stop()
        self.broker = start_broker(self.config.kafka_port, self.config.run_dir, self.config.partitions)

    def down(self) -> None:
        for service in self.services.values():
            service.stop()
        self.chroma.stop()
        self.broker.stop()
        embedded_process(self.config.run_dir).stop()


def ensure_up(stack: LocalStack, progress=lambda message: None) -> bool:
    """Start the stack unless every service already answers ready; True when this call started it."""
    if all(http_ok(stack.readiness_url(name)) for name in stack.services):
        return False
    try:
        stack.up(progress)
    except Exception:
        stack.down()
        raise
    return True
