"""`make faults`: N questions while the fake model API fails 30% of calls (429, 529, 500, slow, malformed, hangs).

Starts its own stack (own run folder and ports), restarts generate against the fake server, and prints a
one-screen table: final answers, rungs, deadline misses, latency, breaker transitions, fake API outcomes.
Writes reports/chaos/faults.json.
"""

import argparse
from pathlib import Path

from rich.console import Console
from rich.table import Table

from libs.chaos.faults import FaultRun, run_faults
from libs.chaos.suite import on_own_stack, write_result
from libs.devstack.stack import StackConfig

console = Console(width=120)


def table(result: dict) -> Table:
    run = result["settings"]
    view = Table(title=f"ragbus faults: {run['fault_rate']:.0%} of model calls fail for the whole run "
                       f"({'with' if run['hangs'] else 'no'} hangs of {run['attempt_timeout_s']} s), first "
                       f"{run['outage_calls']} primary calls fail; deadline {run['deadline_s']} s, "
                       f"breaker opens after {run['breaker_fail_max']}")
    view.add_column("measure")
    view.add_column("value", overflow="fold")
    latency = result["latency_ms"]
    rows = [
        ("sent", result["sent"]), ("final answers", result["final_answers"]), ("lost", result["lost"]),
        ("ok by rung", result["ok_by_rung"]), ("answers by status", result["by_status"]),
        ("not ok (status:reason)", result["not_ok_reasons"] or "-"), ("past their deadline", result["past_deadline"]),
        ("latency p50 / p99 / max ms", f"{latency['p50']:.0f} / {latency['p99']:.0f} / {latency['max']:.0f}"
         if latency["p50"] is not None else "-"),
        ("stage p50 / p99 ms, busy s", ", ".join(f"{stage} {t['p50_ms']:.0f}/{t['p99_ms']:.0f}, {t['total_s']}"
                                                for stage, t in result["stage_times"].items())),
        ("duplicates dropped by client", result["duplicates_dropped_by_client"]),
        ("breaker transitions (log)", transitions(result["breaker_changes_logged"])),
        ("breaker states seen (/metrics)", f"{len(result['breaker_changes_scraped'])} changes in "
                                           f"{result['metric_scrapes']} scrapes"),
        ("fake API calls", result["fake_api_calls"]["calls"]), ("fake API outcomes", result["fake_api_calls"]["outcomes"]),
    ]
    for name, value in rows:
        view.add_row(name, str(value))
    return view


def transitions(changes: list[dict]) -> str:
    counts: dict[str, int] = {}
    for change in changes:
        key = f"{change['model']}: {change['old_state']}→{change['new_state']}"
        counts[key] = counts.get(key, 0) + 1
    return ", ".join(f"{key} ×{n}" for key, n in sorted(counts.items())) or "none"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--rate", type=float, default=0.3, help="Share of model calls the fake API spoils.")
    parser.add_argument("--deadline", type=float, default=30.0, help="Seconds each request may take.")
    parser.add_argument("--interval", type=float, default=0.2, help="Seconds between questions.")
    parser.add_argument("--attempt-timeout", type=float, default=2.0, help="ANTHROPIC_TIMEOUT_S: how long a hang lasts.")
    parser.add_argument("--breaker-fail-max", type=int, default=3, help="BREAKER_FAIL_MAX (service default 5).")
    parser.add_argument("--outage-calls", type=int, default=8, help="The primary model's first calls that all fail.")
    parser.add_argument("--no-hangs", action="store_true", help="Mixed faults without hangs.")
    parser.add_argument("--run-dir", type=Path, default=Path("/tmp/ragbus-faults"))
    parser.add_argument("--port-base", type=int, default=19700)
    parser.add_argument("--out", type=Path, default=Path("reports/chaos/faults.json"))
    args = parser.parse_args()
    run = FaultRun(requests=args.requests, fault_rate=args.rate, deadline_s=args.deadline, interval_s=args.interval,
                   attempt_timeout_s=args.attempt_timeout, breaker_fail_max=args.breaker_fail_max,
                   outage_calls=args.outage_calls, hangs=not args.no_hangs)
    result = on_own_stack(StackConfig.at(args.run_dir, args.port_base), lambda stack: run_faults(stack, run), console)
    write_result(result, args.out)
    console.print(table(result))
    console.print(f"[dim]written to {args.out}[/]")


if __name__ == "__main__":
    main()
