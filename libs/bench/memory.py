"""Resident memory of the local stack's processes: now, and the peak since each started (VmHWM)."""

from libs.bench.procstats import group_stats, postgres_server_pid, process_stats
from libs.devstack.postgres import embedded_process
from libs.devstack.stack import LocalStack


async def stack_memory(stack: LocalStack) -> dict:
    processes = {"broker": stack.broker, "chroma": stack.chroma, **stack.services}
    stats = {name: process_stats(p.pid) for name, p in processes.items() if p.pid}
    postgres = embedded_process(stack.config.run_dir).pid or await postgres_server_pid(stack.config.database_url)
    if postgres:
        stats["postgres (server, all processes)"] = group_stats(postgres)
    return {name: {"rss_mb": round(s.rss_mb, 1), "peak_rss_mb": round(s.peak_rss_mb, 1)} for name, s in stats.items() if s}
