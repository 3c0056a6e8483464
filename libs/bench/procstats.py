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
