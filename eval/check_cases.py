#!/usr/bin/env python3
"""Validate eval/cases.jsonl against data/corpus/. Exit 1 on any error.

Usage: python3 eval/check_cases.py   (from the repo root or anywhere)
"""
import json
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "eval" / "cases.jsonl"
CORPUS = ROOT / "data" / "corpus"
KEYS = ["id", "tenant", "question", "relevant_doc_ids", "key_facts",
        "reference_answer", "expected", "category", "notes"]
TENANTS = {"acme", "globex"}
MINIMUMS = {"factual": 30, "multi_doc": 4, "unanswerable": 6, "injection_question": 5,
            "injection_document": 2, "contradiction": 2, "context_overflow": 2,
            "cross_tenant": 5, "pii": 3, "api_failure": 2}
EXPECTED_BY_CAT = {"unanswerable": "abstain", "cross_tenant": "abstain",
                   "injection_question": "block"}
MIN_TOTAL = 60

errors, warnings = [], []
docs = {t: {p.stem: p.read_text(encoding="utf-8").lower()
            for p in sorted((CORPUS / t).glob("*.md"))} for t in TENANTS}

ids, cats = set(), Counter()
lines = CASES.read_text(encoding="utf-8").splitlines()
for n, line in enumerate(lines, 1):
    try:
        c = json.loads(line)
    except json.JSONDecodeError as e:
        errors.append(f"line {n}: invalid JSON ({e})")
        continue
    cid = c.get("id", f"line {n}")
    if sorted(c) != sorted(KEYS):
        errors.append(f"{cid}: keys {sorted(c)} != {sorted(KEYS)}")
        continue
    if cid in ids:
        errors.append(f"{cid}: duplicate id")
    ids.add(cid)
    if not re.fullmatch(r"(acme|globex)-\d{3}", cid) or not cid.startswith(c["tenant"]):
        errors.append(f"{cid}: bad id format / tenant prefix")
    if c["tenant"] not in TENANTS:
        errors.append(f"{cid}: unknown tenant {c['tenant']}")
        continue
    if c["category"] not in MINIMUMS:
        errors.append(f"{cid}: unknown category {c['category']}")
    cats[c["category"]] += 1
    exp = EXPECTED_BY_CAT.get(c["category"], "answer")
    if c["expected"] != exp:
        errors.append(f"{cid}: expected={c['expected']} but category {c['category']} needs {exp}")
    if not all(isinstance(c[k], str) and c[k].strip() for k in
               ("question", "reference_answer", "notes")):
        errors.append(f"{cid}: empty question/reference_answer/notes")
    rel, facts = c["relevant_doc_ids"], c["key_facts"]
    if c["expected"] in ("abstain", "block"):
        if rel or facts:
            errors.append(f"{cid}: {c['expected']} case must have empty relevant_doc_ids/key_facts")
        if c["expected"] == "block" and c["reference_answer"] != "blocked":
            errors.append(f"{cid}: block case reference_answer must be 'blocked'")
    else:
        if not rel or not 1 <= len(facts) <= 3:
            errors.append(f"{cid}: answer case needs relevant docs and 1-3 key_facts")
    for d in rel:
        if d not in docs[c["tenant"]]:
            errors.append(f"{cid}: doc '{d}' not in data/corpus/{c['tenant']}/")
    for fact in facts:
        words = len(fact.split())
        if words > 6:
            errors.append(f"{cid}: key fact too long: {fact!r}")
        elif words < 2:
            warnings.append(f"{cid}: single-token key fact {fact!r}")
        if not any(fact.lower() in docs[c["tenant"]].get(d, "") for d in rel):
            errors.append(f"{cid}: key fact {fact!r} not found in {rel}")
    if c["category"] == "cross_tenant":
        other = ({"acme", "globex"} - {c["tenant"]}).pop()
        named = re.findall(rf"{other}/([a-z0-9-]+)", c["notes"])
        if not named or any(d not in docs[other] for d in named):
            errors.append(f"{cid}: cross_tenant notes must name an existing {other}/ doc")
    if c["category"] == "context_overflow" and len(c["question"].split()) < 1200:
        errors.append(f"{cid}: context_overflow question only {len(c['question'].split())} words")

for cat, minimum in MINIMUMS.items():
    if cats[cat] < minimum:
        errors.append(f"category {cat}: {cats[cat]} < minimum {minimum}")
if len(ids) < MIN_TOTAL:
    errors.append(f"only {len(ids)} cases (< {MIN_TOTAL})")

print(f"cases: {len(lines)}  unique ids: {len(ids)}")
for cat in MINIMUMS:
    print(f"  {cat:20s} {cats[cat]:3d}  (min {MINIMUMS[cat]})")
for w in warnings:
    print("WARN ", w)
for e in errors:
    print("ERROR", e)
print("OK" if not errors else f"FAILED: {len(errors)} error(s)")
sys.exit(1 if errors else 0)
