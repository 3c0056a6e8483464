"""Guardrail benchmark: how well the scanners decide, and what each check costs.

    .venv/bin/python scripts/bench_guardrails.py     # 1-3 minutes on 2 cores (loads spaCy, MiniLM, the classifier)

Measures, with the guardrail service's own settings and scanners (services.guardrail.guards.load_guards):
- prompt-injection precision/recall of the classifier, the rules and both combined (what the service
  blocks on), on (a) the eval set's injection_question cases against its factual cases and (b) the
  labelled set eval/guardrails/injection.jsonl, with recall/false positives per kind;
- PII recall per entity type on eval/guardrails/pii.jsonl, and spans found where none is labelled;
- grounding separation: reference answers of the eval set against their own relevant documents (should
  pass) and against another case's documents (should fail), at the service's threshold;
- latency per check, p50/p99 (nearest rank), over every text above.
Loads the guards as the service does (PyTorch kept out, one warm-up pass). Writes reports/bench/guardrails.json.
"""

import json
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from libs.evaluation.cases import EvalCase, load_cases  # noqa: E402
from libs.evaluation.metrics import percentile  # noqa: E402
from libs.guards.charset import check_charset  # noqa: E402
from libs.guards.grounding import claims_of  # noqa: E402
from services.guardrail.guards import Guards, keep_torch_out, load_guards, warm_up  # noqa: E402
from services.guardrail.settings import GuardrailSettings  # noqa: E402

LABELLED_INJECTION = ROOT / "eval/guardrails/injection.jsonl"
LABELLED_PII = ROOT / "eval/guardrails/pii.jsonl"
CORPUS = ROOT / "data/corpus"
REPORT = ROOT / "reports/bench/guardrails.json"
DETECTORS = ("classifier", "rules", "combined")


class Timings:
    def __init__(self) -> None:
        self.ms: dict[str, list[float]] = defaultdict(list)

    def run(self, name: str, call, *args):
        started = time.perf_counter()
        result = call(*args)
        self.ms[name].append((time.perf_counter() - started) * 1000)
        return result

    def table(self) -> dict[str, dict]:
        return {name: {"n": len(v), "p50_ms": round(percentile(v, 50), 2), "p99_ms": round(percentile(v, 99), 2)}
                for name, v in self.ms.items()}


@dataclass
class Confusion:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    def add(self, attack: bool, flagged: bool) -> None:
        self.tp += attack and flagged
        self.fp += flagged and not attack
        self.fn += attack and not flagged
        self.tn += not (attack or flagged)

    def row(self) -> dict:
        precision = self.tp / (self.tp + self.fp) if self.tp + self.fp else None
        recall = self.tp / (self.tp + self.fn) if self.tp + self.fn else None
        return {"precision": precision, "recall": recall, "tp": self.tp, "fp": self.fp, "fn": self.fn, "tn": self.tn}


def injection_flags(guards: Guards, text: str, timings: Timings) -> dict[str, bool]:
    classifier, rules = guards.injection
    flags = {"classifier": not timings.run("injection_classifier", classifier.scan, text).passed,
             "rules": not timings.run("injection_rules", rules.scan, text).passed}
    return {**flags, "combined": flags["classifier"] or flags["rules"]}


def score_injection(rows: list[dict], guards: Guards, timings: Timings) -> dict:
    overall = {name: Confusion() for name in DETECTORS}
    by_kind: dict[str, Confusion] = defaultdict(Confusion)
    wrong = []
    for row in rows:
        attack = row["label"] == "attack"
        flags = injection_flags(guards, row["text"], timings)
        for name in DETECTORS:
            overall[name].add(attack, flags[name])
        by_kind[f"{row['label']}/{row['kind']}"].add(attack, flags["combined"])
        wrong += [row.get("id", row["text"][:40])] if attack != flags["combined"] else []
    return {"overall": {n: c.row() for n, c in overall.items()}, "combined_wrong": wrong,
            "combined_by_kind": {k: c.row() for k, c in sorted(by_kind.items())}}


def eval_set_rows(cases: list[EvalCase]) -> list[dict]:
    wanted = {"injection_question": "attack", "factual": "benign"}
    return [{"id": c.id, "label": wanted[c.category], "kind": c.category, "text": c.question} for c in cases if c.category in wanted]


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def pii_recall(guards: Guards, entities: tuple[str, ...], timings: Timings) -> dict:
    found, total, spurious = defaultdict(int), defaultdict(int), 0
    for row in read_jsonl(LABELLED_PII):
        spans = timings.run("pii_detect", guards.pii.find, row["text"])
        got = {(s.entity, s.text_in(row["text"])) for s in spans}
        wanted = {(e["type"], e["value"]) for e in row["entities"] if e["type"] in entities}
        for entity, value in wanted:
            total[entity] += 1
            found[entity] += (entity, value) in got
        spurious += len(got - wanted)
    per_type = {e: {"found": found[e], "labelled": total[e], "recall": found[e] / total[e]} for e in sorted(total)}
    overall = sum(found.values()) / sum(total.values())
    return {"per_type": per_type, "recall": overall, "spans_not_labelled": spurious}


def document_text(tenant: str, document_id: str) -> str:
    return (CORPUS / tenant / f"{document_id}.md").read_text(encoding="utf-8")


def grounding_separation(cases: list[EvalCase], guards: Guards, threshold: float, timings: Timings) -> dict:
    factual = [c for c in cases if c.category == "factual" and c.relevant_doc_ids]
    own, other = [], []
    for n, case in enumerate(factual):
        stranger = next(c for c in factual[n + 1:] + factual[:n] if not set(c.relevant_doc_ids) & set(case.relevant_doc_ids))
        claims = claims_of(case.reference_answer)
        own.append(mean(timings.run("grounding", guards.grounding.score, claims, docs_of(case))))
        other.append(mean(guards.grounding.score(claims, docs_of(stranger))))
    passing_strangers = [c.id for c, score in zip(factual, other) if score >= threshold]
    return {"threshold": threshold, "cases": len(factual), "unsupported_passing_ids": passing_strangers,
            "supported_passing": sum(s >= threshold for s in own) / len(own),
            "unsupported_failing": sum(s < threshold for s in other) / len(other),
            "mean_supported": mean(own), "mean_unsupported": mean(other)}


def docs_of(case: EvalCase) -> list[str]:
    return [document_text(case.tenant, d) for d in case.relevant_doc_ids]


def mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def time_cheap_checks(texts: list[str], cases: list[EvalCase], guards: Guards, timings: Timings) -> None:
    for text in texts:
        timings.run("pii_detect", guards.pii.find, text)
        timings.run("charset", check_charset, text)
        timings.run("profanity", guards.profanity.find, text)
    for case in cases:
        if case.relevant_doc_ids:
            passages = [Doc(d, document_text(case.tenant, d)) for d in case.relevant_doc_ids]
            timings.run("contradiction", guards.contradictions.find, passages)


@dataclass(frozen=True)
class Doc:
    document_id: str
    text: str


def print_report(report: dict) -> None:
    for title in ("injection_eval_set", "injection_labelled_set"):
        print(f"\n{title}")
        for name, row in report[title]["overall"].items():
            print(f"  {name:<11} precision {fmt(row['precision'])}  recall {fmt(row['recall'])}  "
                  f"(tp {row['tp']} fp {row['fp']} fn {row['fn']} tn {row['tn']})")
        print(f"  combined wrong: {', '.join(report[title]['combined_wrong']) or 'none'}")
    print("\ninjection_labelled_set, combined, by kind")
    for kind, row in report["injection_labelled_set"]["combined_by_kind"].items():
        flagged, n = row["tp"] + row["fp"], row["tp"] + row["fp"] + row["fn"] + row["tn"]
        print(f"  {kind:<32} flagged {flagged}/{n}")
    pii = report["pii"]
    print(f"\npii recall {fmt(pii['recall'])}, spans where none labelled: {pii['spans_not_labelled']}")
    for entity, row in pii["per_type"].items():
        print(f"  {entity:<14} {row['found']}/{row['labelled']}")
    print("\ngrounding", {k: round(v, 3) if isinstance(v, float) else v for k, v in report["grounding"].items()})
    print("\nlatency per check (ms)")
    for name, row in report["latency_ms"].items():
        print(f"  {name:<21} n {row['n']:>4}  p50 {row['p50_ms']:>8.2f}  p99 {row['p99_ms']:>8.2f}")


def fmt(value: float | None) -> str:
    return "  n/a" if value is None else f"{value:.3f}"


def main() -> None:
    settings = GuardrailSettings()
    keep_torch_out()  # as the service does at start-up
    started = time.perf_counter()
    guards = warm_up(load_guards(settings))
    load_s = time.perf_counter() - started
    cases, labelled, timings = load_cases(ROOT / "eval/cases.jsonl"), read_jsonl(LABELLED_INJECTION), Timings()
    report = {
        "load_s": round(load_s, 1),
        "injection_eval_set": score_injection(eval_set_rows(cases), guards, timings),
        "injection_labelled_set": score_injection(labelled, guards, timings),
        "pii": pii_recall(guards, settings.pii_entities, timings),
        "grounding": grounding_separation(cases, guards, settings.grounding_threshold, timings),
    }
    time_cheap_checks([c.question for c in cases] + [r["text"] for r in labelled], cases, guards, timings)
    report["latency_ms"] = timings.table()
    print(f"guards loaded and warmed up in {report['load_s']} s")
    print_report(report)
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(json.dumps(report, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
