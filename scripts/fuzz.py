"""`make fuzz`: 500+ malformed or hostile messages per service input topic, interleaved with valid ones.

Starts its own stack (own run folder and ports), publishes raw bytes (invalid JSON and UTF-8, wrong types,
missing fields, unknown schema versions, deep nesting, payloads up to 3 MB, hostile headers, duplicate ids),
then checks that every bad one was dead-lettered with a reason, every valid one answered, and no consumer
died. Prints a table per topic; writes reports/chaos/fuzz.json.
"""

import argparse
from pathlib import Path

from rich.console import Console
from rich.table import Table

from libs.chaos.fuzz import FuzzRun, run_fuzz
from libs.chaos.suite import on_own_stack, write_result
from libs.devstack.stack import StackConfig

console = Console(width=150)


def table(result: dict) -> Table:
    view = Table(title=f"ragbus fuzz: bad and valid messages per input topic (sent in {result['send_s']} s, "
                       f"settled in {result['settled_s']} s)")
    for column in ("topic", "group", "sent bad", "dead-lettered", "missing", "valid sent", "valid answered",
                   "valid dead-lettered", "consumer alive"):
        view.add_column(column)
    for topic, row in result["topics"].items():
        answered = "n/a" if row["valid_answered"] is None else row["valid_answered"]
        view.add_row(topic, row["group"], str(row["sent_bad"]), str(row["dead_lettered"]), str(row["missing"]),
                     str(row["valid_sent"]), str(answered), str(row["valid_dead_lettered"]), str(row["consumer_alive"]))
    return view


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bad-per-topic", type=int, default=500)
    parser.add_argument("--valid-per-topic", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--wait", type=float, default=300.0, help="Seconds to wait for every outcome.")
    parser.add_argument("--run-dir", type=Path, default=Path("/tmp/ragbus-fuzz"))
    parser.add_argument("--port-base", type=int, default=19800)
    parser.add_argument("--out", type=Path, default=Path("reports/chaos/fuzz.json"))
    args = parser.parse_args()
    run = FuzzRun(bad_per_topic=args.bad_per_topic, valid_per_topic=args.valid_per_topic, seed=args.seed, wait_s=args.wait)
    result = on_own_stack(StackConfig.at(args.run_dir, args.port_base), lambda stack: run_fuzz(stack, run), console)
    write_result(result, args.out)
    console.print(table(result))
    console.print(f"backlog (not committed) per group: {result['backlog']}")
    console.print(f"a default aiokafka producer and a message over 1 MB: {result['default_producer_over_1mb']}")
    missing = {t: r["missing_by_kind"] for t, r in result["topics"].items() if r["missing"]}
    console.print(f"missing dead letters by kind: {missing or 'none'}")
    console.print(f"[dim]written to {args.out}[/]")


if __name__ == "__main__":
    main()
