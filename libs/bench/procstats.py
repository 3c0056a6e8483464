"""CPU time and memory of local processes, read from /proc (Linux)."""

import os
from dataclasses import dataclass

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class ProcessStats:
    cpu_s: float
    rss_mb: float
    peak_rss_mb: float


def process_stats(pid: int) -> ProcessStats | None:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        with open(f"/proc/{pid}/status") as status:
            memory = {line.split(":")[0]: line.split()[1] for line in status if line.startswith(("VmRSS", "VmHWM"))}
    except OSError:
        return None
    cpu_ticks = int(fields[11]) + int(fields[12])  # utime + stime
    return ProcessStats(cpu_ticks / CLOCK_TICKS, int(memory.get("VmRSS", 0)) / 1024, int(memory.get("VmHWM", 0)) / 1024)


def total_cpu_s(pids: dict[str, int]) -> float:
    return sum(stats.cpu_s for pid in pids.values() if (stats := process_stats(pid)))


def group_stats(pid: int) -> ProcessStats | None:
    """A process and its children summed (PostgreSQL's server processes). Shared memory is counted in each
    process's RSS, so the sum is an upper bound."""
    stats = [s for s in map(process_stats, [pid, *children_of(pid)]) if s]
    if not stats:
        return None
    return ProcessStats(sum(s.cpu_s for s in stats), sum(s.rss_mb for s in stats), sum(s.peak_rss_mb for s in stats))


def children_of(pid: int) -> list[int]:
    return [int(entry) for entry in os.listdir("/proc") if entry.isdigit() and _parent_of(int(entry)) == pid]


async def postgres_server_pid(database_url: str) -> int | None:
    """The postmaster of the server the stack uses, when it runs on this machine: the parent of our backend."""
    import asyncpg

    try:
        connection = await asyncpg.connect(database_url, timeout=5)
    except (OSError, asyncpg.PostgresError):
        return None
    try:
        return _parent_of(await connection.fetchval("SELECT pg_backend_pid()"))  # read while the backend lives
    finally:
        await connection.close()


def _parent_of(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return int(stat.read().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return None
