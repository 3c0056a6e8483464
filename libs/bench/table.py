"""The tables `make bench` prints from its JSON result (latency, throughput, memory, targets, index scale)."""

from rich.console import Console
from rich.table import Table

from libs.bench.legs import PARTS
from libs.bench.targets import RAGBUS_HOP, RAW_CHAIN, RAW_HOP, ratio, stack_peak_mb, targets

STAGE_ORDER = ("guardrail_in", "retrieve", "generate", "guardrail_out")


def print_tables(result: dict, console: Console) -> None:
    console.print(latency_table(result))
    for key, label in (("pipeline_fake_model", "fake model at zero delay"), ("pipeline", "offline generator")):
        if result.get("legs", {}).get(key, {}).get("requests"):
            console.print(legs_table(result["legs"][key], label))
    console.print(throughput_table(result))
    console.print(memory_table(result))
    console.print(targets_table(result))
    if "index_scale" in result:
        print_index_scale(result["index_scale"], console)
    if "part_s" in result:
        console.print("seconds per part: " + ", ".join(f"{name} {s}" for name, s in result["part_s"].items()))


def latency_table(result: dict) -> Table:
    table = _table("latency (same broker, same consumer settings)", "measurement", "p50 ms", "p99 ms", "note")
    hops = result["hops"]
    for name, values in hops.items():
        if isinstance(values, dict):
            table.add_row(name if name != RAW_CHAIN else f"raw chain of {hops['chain_relays']} relays",
                          _ms(values["p50_ms"]), _ms(values["p99_ms"]), f"n={values['n']}")
    raw, ragbus, chain = hops[RAW_HOP], hops[RAGBUS_HOP], hops[RAW_CHAIN]
    table.add_row("ragbus hop ÷ raw hop", _x(ratio(ragbus["p50_ms"], raw["p50_ms"])), _x(ratio(ragbus["p99_ms"], raw["p99_ms"])), "")
    for key, label in (("pipeline", "offline generator"), ("pipeline_fake_model", "fake model at zero delay")):
        if key in result:
            _pipeline_rows(table, f"pipeline, {label}", result[key], chain)
    for key, label in (("offline", "offline generator"), ("fake_model", "fake model at zero delay")):
        if key in result.get("in_process", {}):
            _in_process_rows(table, f"in-process stages, {label}", result["in_process"][key])
    for pipeline, stages, label in (("pipeline", "offline", "offline"), ("pipeline_fake_model", "fake_model", "fake model")):
        if pipeline in result and stages in result.get("in_process", {}):
            added = result[pipeline]["single_pass"]["p50_ms"] - result["in_process"][stages]["single_pass"]["p50_ms"]
            table.add_row(f"pipeline − stages, {label}", _ms(added), "", f"single-pass p50s; {_x(ratio(added, chain['p50_ms']))} "
                          "the raw chain: what the broker and the handlers add")
    return table


def _pipeline_rows(table: Table, label: str, pipe: dict, chain: dict) -> None:
    single = pipe["single_pass"]
    table.add_row(label, _ms(pipe["p50_ms"]), _ms(pipe["p99_ms"]),
                  f"n={pipe['n']}, {pipe['retried']} retried (3 more legs); {_status(pipe)}")
    table.add_row("  single-pass answers", _ms(single["p50_ms"]), _ms(single["p99_ms"]), f"n={single['n']}")
    table.add_row("  single-pass ÷ raw chain", _x(ratio(single["p50_ms"], chain["p50_ms"])),
                  _x(ratio(single["p99_ms"], chain["p99_ms"])), "all answers: " + _x(ratio(pipe["p50_ms"], chain["p50_ms"])) + " at p50")
    stages = pipe["stages"]
    table.add_row("  stage_ms reported", "", "", ", ".join(f"{s} {stages[s]['p50_ms']}" for s in STAGE_ORDER if s in stages) + " (p50)")


def _in_process_rows(table: Table, label: str, run: dict) -> None:
    table.add_row(label, _ms(run["p50_ms"]), _ms(run["p99_ms"]), f"n={run['n']}, {run['retried']} retried; {_status(run)}")
    for stage in STAGE_ORDER:
        if stage in run["stages"]:
            values = run["stages"][stage]
            table.add_row(f"  {stage}", _ms(values["p50_ms"]), _ms(values["p99_ms"]), "summed over a retry")


def legs_table(legs: dict, label: str) -> Table:
    title = f"where the time goes: pipeline, {label} (mean ms over {legs['requests']} single-pass requests, from traces)"
    table = _table(title, "consumer", *PARTS, "total")
    sums = dict.fromkeys(PARTS, 0.0)
    for topic, parts in legs["legs"].items():
        table.add_row(topic, *(_ms(parts[part]) for part in PARTS), _ms(sum(v for v in parts.values() if v is not None)))
        for part in PARTS:
            sums[part] += parts[part] or 0.0
    table.add_row("all four", *(_ms(sums[part]) for part in PARTS), _ms(sum(sums.values())))
    return table


def throughput_table(result: dict) -> Table:
    table = _table("throughput (offline generator)", "measurement", "answers/s", "CPU-s/answer", "note")
    sat = result.get("saturation")
    if sat:
        table.add_row("pipeline at saturation", str(sat["answers_per_s"]), str(sat["cpu_s_per_answer"]),
                      f"{sat['answered']}/{sat['requests']} sent at once; every stack process's CPU")
    in_process = result.get("in_process", {})
    if "offline" in in_process:
        one = in_process["offline"]
        table.add_row("in-process, one at a time", str(one["answers_per_s"]), str(one["cpu_s_per_answer"]),
                      "one worker process, Chroma's CPU included")
    if "throughput" in in_process:
        run = in_process["throughput"]
        table.add_row(f"in-process, {run['workers']} workers at once", str(run["answers_per_s"]), str(run["cpu_s_per_answer"]),
                      f"one per core, {run['answered']} answers")
    if "ceiling" in in_process and sat:
        best, one = in_process["ceiling"], in_process["offline"]
        table.add_row("pipeline ÷ in-process best", _x(ratio(sat["answers_per_s"], best["answers_per_s"])),
                      _x(ratio(sat["cpu_s_per_answer"], one["cpu_s_per_answer"])),
                      f"best: {best['from']}; CPU column: pipeline CPU per answer ÷ in-process")
    return table


def memory_table(result: dict) -> Table:
    table = _table("memory (MB)", "process", "idle RSS", "peak RSS after load")
    idle = result.get("memory_idle", {})
    for name, values in result.get("memory_after_load", {}).items():
        table.add_row(name, str(idle.get(name, {}).get("rss_mb", "")), str(values["peak_rss_mb"]))
    peak = stack_peak_mb(result.get("memory_after_load"))
    table.add_row("whole stack", "", "" if peak is None else f"{peak:.0f}")
    return table


def targets_table(result: dict) -> Table:
    table = _table("targets (issue 10)", "target", "measured", "limit", "verdict")
    for target in targets(result):
        limit = f"{'≤' if target.at_most else '≥'} {target.limit}"
        table.add_row(target.name, "" if target.measured is None else f"{target.measured:.{0 if target.limit >= 100 else 3}f}", limit, target.verdict)
    return table


def print_index_scale(scale: dict, console: Console) -> None:
    table = _table("retrieval as the index grows (one tenant of two; 30 candidates per search)", "chunks", "load s",
                   "dense p50 ms", "dense p99 ms", "BM25 build s", "BM25 p50 ms", "BM25 p99 ms")
    for row in scale["scale"]:
        table.add_row(*(str(row[key]) for key in ("chunks", "load_s", "dense_p50_ms", "dense_p99_ms", "bm25_build_s",
                                                   "bm25_p50_ms", "bm25_p99_ms")))
    console.print(table)
    embedding = scale["embedding"]
    console.print(f"embedding throughput: {embedding['chunks_per_s']} chunks/s ({embedding['chunks']} Cranfield "
                  f"abstracts, MiniLM int8, batches of 32)")


def _table(title: str, *columns: str) -> Table:
    table = Table(title=title)
    for column in columns:
        table.add_column(column)
    return table


def _status(run: dict) -> str:
    return ", ".join(f"{status} {count}" for status, count in sorted(run["statuses"].items()))


def _ms(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def _x(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}×"
