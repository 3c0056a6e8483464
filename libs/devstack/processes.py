"""Background processes with a PID file and a log file, started and stopped by PID."""

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Callable


class ManagedProcess:
    def __init__(self, name: str, command: list[str], run_dir: Path, env: dict[str, str] | None = None) -> None:
        self.name = name
        self.command = command
        self.env = env or {}
        self.pid_file = run_dir / f"{name}.pid"
        self.log_file = run_dir / "logs" / f"{name}.log"
        self._popen: subprocess.Popen | None = None

    def start(self) -> None:
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_file.open("ab")
        self._popen = subprocess.Popen(
            self.command, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **self.env}, start_new_session=True
        )
        self.pid_file.write_text(str(self._popen.pid))

    @property
    def pid(self) -> int | None:
        try:
            return int(self.pid_file.read_text())
        except (FileNotFoundError, ValueError):
            return None

    def running(self) -> bool:
        if self._popen is not None:
            return self._popen.poll() is None
        return self.pid is not None and _alive(self.pid)

    def stop(self, grace_s: float = 10.0, sig: int = signal.SIGTERM) -> None:
        pid = self.pid
        if pid is None:
            return
        if _alive(pid):
            os.kill(pid, sig)
            deadline = time.monotonic() + grace_s
            while _alive(pid) and time.monotonic() < deadline:
                self._reap()
                time.sleep(0.05)
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
        self._reap()
        self.pid_file.unlink(missing_ok=True)

    def kill(self) -> None:
        """SIGKILL: a crash, for chaos tests. The PID file stays so a restart is visible."""
        if self.pid and _alive(self.pid):
            os.kill(self.pid, signal.SIGKILL)
        self._reap(block=True)

    def _reap(self, block: bool = False) -> None:
        if self._popen is not None:
            if block:
                self._popen.wait()
            else:
                self._popen.poll()

    def tail(self, lines: int = 30) -> str:
        if not self.log_file.exists():
            return ""
        return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie is not alive
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return True


def wait_until(check: Callable[[], bool], timeout_s: float, what: str, process: ManagedProcess | None = None) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():
            return
        if process is not None and not process.running():
            raise RuntimeError(f"{what}: process exited. Last log lines:\n{process.tail()}")
        time.sleep(0.1)
    tail = f" Last log lines:\n{process.tail()}" if process else ""
    raise TimeoutError(f"{what}: not ready after {timeout_s:.0f}s.{tail}")


def http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return 200 <= response.status < 300
    except OSError:
        return False


def python_module(module: str) -> list[str]:
    return [sys.executable, "-m", module]
