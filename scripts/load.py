"""`make load`: open-loop load at increasing request rates until saturation, and the overload behaviour.

Starts its own stack (own run folder and ports; consumer lag read every second), ingests data/corpus, then per
step sends questions on a fixed schedule with a deadline and collects every final answer. Prints one table (a
column per step): throughput, statuses, lost, latency p50/p99 end to end and per stage, consumer lag, requests
in flight, service memory. Writes reports/chaos/load.json.
"""

import argparse
import os
from pathlib import Path

from rich.console import Console
from rich.table import Table

from libs.chaos.load import LoadRun, run_load
from libs.chaos.load_figures import STAGES, saturated
from libs.chaos.suite import on_own_stack, write_result
from libs.devstack.stack import StackConfig

console = Console(width=160)
SHORT = {"guardrail:rag.question-asked.v1": "g-in", "retrieve:rag.question-screened.v1": "ret",
         "generate:rag.context-retrieved.v1": "gen", "guardrail:rag.answer-drafted.v1": "g-out",
         "evaluate:rag.answer-completed.v1": "eval"}


def p50_p99(spread: dict) -> str:
    return "-" if spread["p50"] is None else f"{spread['p50']:.0f} / {spread['p99']:.0f}"


def late(figures: dict) -> str:
    return "0" if not figures["count"] else f"{figures['count']}, {figures['max']:.0f}"


def rows(step: dict, deadline_s: float) -> dict[str, str]:
    peaks = step["pressure"]
    return {
        "sent / answered / lost": f"{step['sent']} / {step['answered']} / {step['lost']}",
        "refused at the door": str(step["refused"]),
        "lost: answered later / never": f"{step['lost'] - step['never_answered']} / {step['never_answered']}",
        "answers/s (all final)": str(step["answers_per_s"]),
        "in-deadline answers/s": str(step["in_deadline_per_s"]),
        **{status: str(n) for status, n in step["by_status"].items()},
        "expired at input / later": f"{step['expired_at']['input']} / {step['expired_at']['downstream']}",
        "late, not expired (n, max ms)": late(step["late_not_expired"]),
        "drafts generated": str(step["drafts_generated"]),
        "end to end p50 / p99 ms": p50_p99(step["latency_ms"]),
        **{f"{stage} p50 / p99 ms": p50_p99(step["stage_ms"][stage]) for stage in STAGES},
        "queue + hops p50 / p99 ms": p50_p99(step["queue_ms"]),
        "send lag p99 ms": str(step["send_lag_ms"]["p99"]),
        "max in flight": str(peaks["in_flight"]),
        "max lag": " ".join(f"{SHORT.get(k, k)} {v}" for k, v in peaks["lag"].items() if k in SHORT) or "-",
        "max RSS MB services / broker": f"{sum(v for k, v in peaks['rss_mb'].items() if k != 'broker'):.0f} / "
                                        f"{peaks['rss_mb'].get('broker', 0):.0f}",
        "load avg before → after": f"{step['load_avg']['before'][0]:.1f} → {step['load_avg']['after'][0]:.1f}",
        "saturated": "yes" if saturated(step, deadline_s) else "no",
    }


def table(result: dict) -> Table:
    run = result["settings"]
    view = Table(title=f"ragbus load: open loop, {run['step_s']:.0f} s per step, deadline {run['deadline_s']:.0f} s; "
                       f"saturation at {result['saturation_rps'] or 'none'} req/s; delivered twice "
                       f"{result['delivered_twice']}, duplicates dropped by client {result['duplicates_dropped_by_client']}"
                       f"; admission {'off' if run['max_backlog_share'] is None else run['max_backlog_share']}")
    view.add_column("offered req/s", no_wrap=True)
    for step in result["steps"]:
        view.add_column(f"{step['offered_rps']:g}", justify="right")
    by_step = [rows(step, run["deadline_s"]) for step in result["steps"]]
    for measure in by_step[0]:
        view.add_row(measure, *(values[measure] for values in by_step))
    return view


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rates", default="5,10,20,40,80", help="Offered request rates per step, comma-separated.")
    parser.add_argument("--step", type=float, default=30.0, help="Seconds each rate is offered.")
    parser.add_argument("--deadline", type=float, default=10.0, help="Seconds each request may take.")
    parser.add_argument("--settle", type=float, default=20.0, help="Seconds past a step's last deadline to wait for answers.")
    parser.add_argument("--drain", type=float, default=120.0,
                        help="Seconds past the last deadline to wait for answers lost at a step's settle time.")
    parser.add_argument("--past-saturation", type=int, default=1, help="Steps to run after the first saturated one.")
    parser.add_argument("--admission", type=float, default=None, metavar="SHARE",
                        help="Admission control on: refuse a question when the input backlog exceeds SHARE "
                             "of its deadline (libs/client/admission.py).")
    parser.add_argument("--run-dir", type=Path, default=Path("/tmp/ragbus-load"))
    parser.add_argument("--port-base", type=int, default=19900)
    parser.add_argument("--out", type=Path, default=Path("reports/chaos/load.json"))
    args = parser.parse_args()
    run = LoadRun(rates=tuple(float(r) for r in args.rates.split(",")), step_s=args.step, deadline_s=args.deadline,
                  settle_s=args.settle, drain_s=args.drain, steps_past_saturation=args.past_saturation,
                  max_backlog_share=args.admission)
    config = StackConfig.at(args.run_dir, args.port_base, extra_env={"CONSUMER_LAG_INTERVAL_S": "1"})
    result = on_own_stack(config, lambda stack: run_load(stack, run), console)
    result["load_avg_at_end"] = os.getloadavg()
    write_result(result, args.out)
    console.print(table(result))
    console.print(f"[dim]written to {args.out}[/]")


if __name__ == "__main__":
    main()
