"""Guardrail benchmark: how well the scanners decide, and what each check costs.

    .venv/bin/python scripts/bench_guardrails.py     # 1-3 minutes on 2 cores (loads spaCy, MiniLM, the classifier)

Measures, with the guardrail service's own settings and scanners (services.guardrail.guards.load_guards):
- prompt-injection precision/recall of each configured scanner (the classifier, the rules, the semantic scanner
  when INJECTION_SEMANTIC=true) and all combined (what the service blocks on), on (a) the eval set's injection_question cases against its factual cases and (b) the
  labelled set eval/guardrails/injection.jsonl, with recall/false positives per kind;
- PII recall per entity type on eval/guardrails/pii.jsonl, and spans found where none is labelled;
- grounding separation: reference answers of the eval set against their own relevant documents (should
  pass) and against another case's documents (should fail), at the service's threshold;
- latency per check, p50/p99 (nearest rank), over every text above;
- the semantic (embedding) injection scanner, whether the service runs it or not: recall and false positives
  cross-validated on its exemplars (5-fold, and leave-one-family-out so a family is scored by a model that never
  saw it), then, trained on all exemplars, on the eval set, the labelled set and every chunk and sentence of
  data/corpus, with the lowest threshold that keeps benign flags within bounds.
Loads the guards as the service does (PyTorch kept out, one warm-up pass). Writes reports/bench/guardrails.json.

    .venv/bin/python scripts/bench_guardrails.py --semantic-only   # that last section alone, printed, 2-4 minutes
"""

import argparse
import json
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from libs.evaluation.cases import EvalCase, load_cases  # noqa: E402
from libs.evaluation.metrics import percentile  # noqa: E402
from libs.guards.charset import check_charset  # noqa: E402
from libs.guards.grounding import claims_of  # noqa: E402
from libs.guards.segments import segments  # noqa: E402
from libs.guards.semantic_injection import (  # noqa: E402
    DEFAULT_EXEMPLARS,
    DEFAULT_SENTENCE_THRESHOLD,
    DEFAULT_THRESHOLD,
    VOTE_CAP,
    Exemplar,
    SemanticScanner,
    read_exemplars,
)
from libs.models.embedder import MiniLmEmbedder  # noqa: E402
from services.guardrail.guards import Guards, keep_torch_out, load_guards, warm_up  # noqa: E402
from services.guardrail.settings import GuardrailSettings  # noqa: E402

LABELLED_INJECTION = ROOT / "eval/guardrails/injection.jsonl"
LABELLED_PII = ROOT / "eval/guardrails/pii.jsonl"
CORPUS = ROOT / "data/corpus"
REPORT = ROOT / "reports/bench/guardrails.json"
SEMANTIC_FOLDS = 5
MAX_BENIGN_FLAGGED = 0.02  # of benign exemplars (cross-validated) and of benign eval questions; corpus chunks: none
PLANTED = ("vendor-faq-injected", "How do I submit an invoice?")  # the corpus's planted payload (its README)
SEMANTIC_SECTION = "injection_semantic_all_sets"  # its latency over every text of the semantic section


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


def detectors(guards: Guards) -> list[str]:
    """The configured scanners' short names ("classifier", "rules", "semantic" when switched on), then "combined"."""
    return [*(detector(scanner.name) for scanner in guards.injection), "combined"]


def detector(check: str) -> str:
    return check.removeprefix("prompt_injection_")


def injection_flags(guards: Guards, text: str, timings: Timings) -> dict[str, bool]:
    """Per configured scanner, whether it flags the text; "combined" (what blocks) when any does."""
    flags = {detector(scanner.name): not timings.run(f"injection_{detector(scanner.name)}", scanner.scan, text).passed
             for scanner in guards.injection}
    return {**flags, "combined": any(flags.values())}


def score_injection(rows: list[dict], guards: Guards, timings: Timings) -> dict:
    overall = {name: Confusion() for name in detectors(guards)}
    by_kind: dict[str, Confusion] = defaultdict(Confusion)
    wrong = []
    for row in rows:
        attack = row["label"] == "attack"
        flags = injection_flags(guards, row["text"], timings)
        for name, confusion in overall.items():
            confusion.add(attack, flags[name])
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


class CachedEmbedder:
    """The embedder with a memory: cross-validation fits a scanner on nearly the same exemplars many times."""

    def __init__(self, embedder) -> None:
        self._embedder, self._vectors = embedder, {}

    def embed(self, texts):
        missing = [text for text in dict.fromkeys(texts) if text not in self._vectors]
        if missing:
            self._vectors.update(zip(missing, self._embedder.embed(missing)))
        return np.array([self._vectors[text] for text in texts]).reshape(len(texts), -1)


@dataclass(frozen=True)
class Scored:
    """One text's best scores: the whole text's and its worst sentence's (0 when it has none)."""

    group: str
    attack: bool
    whole: float
    sentence: float

    def flagged(self, threshold: float, sentence_threshold: float) -> bool:
        return self.whole >= threshold or self.sentence >= sentence_threshold


def scored(scanner: SemanticScanner, embedder, group: str, attack: bool, text: str) -> Scored:
    spans = scanner.spans(text)
    scores, _ = scanner.score(embedder.embed([span.text for span in spans]))
    return Scored(group, attack, float(scores[0]), float(scores[1:].max(initial=0.0)))


def fold_scores(embedder, exemplars: list[Exemplar], folds: list[list[int]]) -> list[Scored]:
    """Each held-out exemplar scored by a scanner fitted on the others."""
    rows: dict[int, Scored] = {}
    for held_out in folds:
        kept = set(range(len(exemplars))) - set(held_out)
        scanner = SemanticScanner(embedder, [exemplars[i] for i in sorted(kept)])
        rows.update({i: scored(scanner, embedder, f"{e.label}/{e.family}", e.attack, e.text)
                     for i, e in ((i, exemplars[i]) for i in held_out)})
    return [rows[i] for i in range(len(exemplars))]


def stratified_folds(exemplars: list[Exemplar], k: int = SEMANTIC_FOLDS, seed: int = 0) -> list[list[int]]:
    folds: list[list[int]] = [[] for _ in range(k)]
    for label in ("attack", "benign"):
        indexes = np.random.default_rng(seed).permutation([i for i, e in enumerate(exemplars) if e.label == label])
        for position, index in enumerate(indexes):
            folds[position % k].append(int(index))
    return folds


def family_folds(exemplars: list[Exemplar]) -> list[list[int]]:
    groups: dict[str, list[int]] = defaultdict(list)
    for i, e in enumerate(exemplars):
        groups[f"{e.label}/{e.family}"].append(i)
    return list(groups.values())


def corpus_chunks() -> list[tuple[str, str, str]]:
    """(document id, heading path, text) of every chunk ingest makes of data/corpus, with its default chunking."""
    from libs.retrieval.chunking import SourceDocument, chunk_document
    from libs.retrieval.tokens import MiniLmTokenCounter

    counter, chunks = MiniLmTokenCounter(), []
    for path in sorted(CORPUS.glob("*/*.md")):
        document = SourceDocument(path.parent.name, path.stem, path.name, path.read_text(encoding="utf-8"))
        chunks += [(path.stem, c.heading_path, c.text) for c in chunk_document(document, counter)]
    return chunks


def outside_rows(cases: list[EvalCase], labelled: list[dict]) -> list[tuple[str, bool, str]]:
    """Never seen by the scanner: eval-set questions (every category) and the labelled injection set."""
    rows = [(f"eval/{c.category}", c.category == "injection_question", c.question) for c in cases]
    return rows + [(f"labelled/{r['label']}/{r['kind']}", r["label"] == "attack", r["text"]) for r in labelled]


def chunk_rows(chunks: list[tuple[str, str, str]]) -> list[tuple[str, bool, str]]:
    """Each chunk twice: as the classifier reads it (no heading path) and whole. The planted one is an attack."""
    rows = []
    for document, heading, text in chunks:
        planted = _planted(document, heading)
        body = text.removeprefix(heading).lstrip() if heading else text
        rows += [(f"chunk/{document}", planted, body), (f"chunk+heading/{document}", planted, text)]
    return rows


def sentence_rows(chunks: list[tuple[str, str, str]]) -> list[tuple[str, bool, str]]:
    sentences = {s for document, heading, text in chunks if not _planted(document, heading)
                 for s in segments(text.removeprefix(heading).lstrip())}
    return [("sentence/corpus", False, s) for s in sorted(sentences)]


def _planted(document: str, heading: str) -> bool:
    return document == PLANTED[0] and heading.endswith(PLANTED[1])


def semantic_report(embedder, cases: list[EvalCase], labelled: list[dict], timings: Timings) -> dict:
    exemplars = read_exemplars(DEFAULT_EXEMPLARS)
    started = time.perf_counter()
    scanner = SemanticScanner(embedder, exemplars)  # uncached: what loading costs at start-up
    load_s = time.perf_counter() - started
    chunks = corpus_chunks()
    for _, _, text in outside_rows(cases, labelled) + chunk_rows(chunks):
        timings.run(SEMANTIC_SECTION, scanner.scan, text)
    cached = CachedEmbedder(embedder)
    full = SemanticScanner(cached, exemplars)
    unseen = {"outside": outside_rows(cases, labelled), "chunks": chunk_rows(chunks),
              "sentences": sentence_rows(chunks)}
    sets = {
        "five_fold": fold_scores(cached, exemplars, stratified_folds(exemplars)),
        "family_out": fold_scores(cached, exemplars, family_folds(exemplars)),
        **{name: [scored(full, cached, *row) for row in rows] for name, rows in unseen.items()},
    }
    bars = (DEFAULT_THRESHOLD, DEFAULT_SENTENCE_THRESHOLD)
    return {"exemplars": {"attack": sum(e.attack for e in exemplars), "benign": sum(not e.attack for e in exemplars)},
            "load_s": round(load_s, 2), "thresholds": bars, "suggested": suggested_thresholds(sets),
            "sweep": threshold_sweep(sets), **{name: flagged_by_group(rows, *bars) for name, rows in sets.items()}}


def flagged_by_group(rows: list[Scored], threshold: float, sentence_threshold: float) -> dict:
    groups: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in rows:
        for group in (row.group, "all attacks" if row.attack else "all benign"):
            groups[group][0] += row.flagged(threshold, sentence_threshold)
            groups[group][1] += 1
    return {group: {"flagged": f, "n": n} for group, (f, n) in sorted(groups.items())}


def suggested_thresholds(sets: dict[str, list[Scored]]) -> tuple[float, float]:
    """Whole text: the lowest with ≤ 2 % of benign exemplars (5-fold) and of benign eval texts flagged.
    Sentence: the lowest, not under that, with no benign eval text and no corpus chunk flagged by a sentence."""
    exemplars = [max(r.whole, r.sentence) for r in sets["five_fold"] if not r.attack]
    outside = [r for r in sets["outside"] if not r.attack]
    whole = max(_above_all_but(exemplars), _above_all_but([r.whole for r in outside]), VOTE_CAP + 0.01)
    chunks = [r for r in sets["chunks"] if not r.attack]
    sentence = max(whole, *(r.sentence + 1e-4 for r in outside + chunks))
    return _up(whole), _up(sentence)


def _above_all_but(scores: list[float], share: float = MAX_BENIGN_FLAGGED) -> float:
    return sorted(scores, reverse=True)[int(share * len(scores))] + 1e-4


def _up(value: float) -> float:
    return round(float(np.ceil(value * 100) / 100), 2)


def threshold_sweep(sets: dict[str, list[Scored]]) -> list[dict]:
    """Share flagged per set as the whole-text bar moves (the sentence bar stays at least the default)."""
    def share(rows: list[Scored], attack: bool, threshold: float) -> float | None:
        picked = [r.flagged(threshold, max(threshold, DEFAULT_SENTENCE_THRESHOLD)) for r in rows if r.attack == attack]
        return round(sum(picked) / len(picked), 3) if picked else None

    return [{"threshold": t, **{f"{name}_{'recall' if attack else 'fp'}": share(rows, attack, t)
                                for name, rows in sets.items() for attack in (True, False)}}
            for t in np.round(np.arange(0.55, 0.851, 0.025), 3).tolist()]


def print_semantic(report: dict) -> None:
    counts, (whole, sentence) = report["exemplars"], report["thresholds"]
    print(f"\ninjection_semantic: thresholds {whole} whole text / {sentence} sentence "
          f"(suggested {report['suggested']}), {counts['attack']} attack / {counts['benign']} benign exemplars, "
          f"scanner built in {report['load_s']} s")
    for name in ("five_fold", "family_out", "outside", "chunks", "sentences"):
        rows = report[name]
        print(f"  {name:<10} attacks flagged {_ratio(rows, 'all attacks')}  "
              f"benign flagged {_ratio(rows, 'all benign')}")
    columns = ("five_fold_recall", "five_fold_fp", "family_out_recall", "family_out_fp", "outside_recall", "outside_fp",
               "chunks_fp", "sentences_fp")
    names = [c.replace("family_out", "fam").replace("five_fold", "5f") for c in columns]
    print("  whole-text bar  " + "  ".join(f"{name:>11}" for name in names))
    for row in report["sweep"]:
        print(f"    {row['threshold']:<12.3f}" + "  ".join(f"{row[c]:>11.3f}" for c in columns))
    print("  per family (exemplars)            5-fold  family held out")
    for group in report["five_fold"]:
        if "/" in group:
            print(f"    {group:<32} {_ratio(report['five_fold'], group):>7}  {_ratio(report['family_out'], group):>7}")
    print("  outside the exemplars")
    for group, row in report["outside"].items():
        if "/" in group:
            print(f"    {group:<40} flagged {row['flagged']}/{row['n']}")
    flagged_chunks = {g: r for g, r in report["chunks"].items() if "/" in g and r["flagged"]}
    print(f"  chunks flagged, by document: {flagged_chunks or 'none'}")


def _ratio(rows: dict, group: str) -> str:
    row = rows.get(group, {"flagged": 0, "n": 0})
    return f"{row['flagged']}/{row['n']}"


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
    print_semantic(report["injection_semantic"])
    print("\nlatency per check (ms)")
    for name, row in report["latency_ms"].items():
        print(f"  {name:<21} n {row['n']:>4}  p50 {row['p50_ms']:>8.2f}  p99 {row['p99_ms']:>8.2f}")


def fmt(value: float | None) -> str:
    return "  n/a" if value is None else f"{value:.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--semantic-only", action="store_true", help="only the semantic scanner's section, no file")
    if parser.parse_args().semantic_only:
        return semantic_only()
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
    report["injection_semantic"] = semantic_report(MiniLmEmbedder(), cases, labelled, timings)
    time_cheap_checks([c.question for c in cases] + [r["text"] for r in labelled], cases, guards, timings)
    report["latency_ms"] = timings.table()
    print(f"guards loaded and warmed up in {report['load_s']} s")
    print_report(report)
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(json.dumps(report, indent=2), encoding="utf-8")


def semantic_only() -> None:
    cases, labelled, timings = load_cases(ROOT / "eval/cases.jsonl"), read_jsonl(LABELLED_INJECTION), Timings()
    print_semantic(semantic_report(MiniLmEmbedder(), cases, labelled, timings))
    row = timings.table()[SEMANTIC_SECTION]
    print(f"  latency per text (ms): n {row['n']}  p50 {row['p50_ms']:.2f}  p99 {row['p99_ms']:.2f}")


if __name__ == "__main__":
    main()
