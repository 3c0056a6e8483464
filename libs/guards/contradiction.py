"""Conflicting amounts for the same subject in different documents, e.g. a 180 EUR vs a 220 EUR hotel cap.

A fact is a clause holding an amount (a number with a currency or unit): its subject is the clause's content
words without the amounts. Two facts from different documents conflict when their subjects overlap by at
least `min_subject_overlap` (Jaccard), name the same product codes (RW-200 vs ST-9 are different subjects
however similar the sentences), use the same unit, and share no value. Lexical on purpose:
cheap, explainable, and wrong in known ways (paraphrased subjects are missed) — an NLI model can replace it.
"""

import re
from dataclasses import dataclass
from itertools import combinations
from typing import Protocol

from libs.models.text import content_words, sentences

UNITS = {"eur": "EUR", "euro": "EUR", "euros": "EUR", "€": "EUR", "usd": "USD", "$": "USD", "gbp": "GBP", "£": "GBP",
         "chf": "CHF", "%": "%", "percent": "%", "kg": "kg", "g": "g", "km": "km", "mph": "mph", "nms": "Nms", "w": "W",
         "day": "day", "days": "day", "week": "week", "weeks": "week", "month": "month", "months": "month",
         "year": "year", "years": "year", "hour": "hour", "hours": "hour", "minute": "minute", "minutes": "minute"}
VALUE = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
UNIT = "|".join(sorted((re.escape(u) for u in UNITS), key=len, reverse=True))
AMOUNT = re.compile(rf"(?:(?P<prefix>[€$£])\s?(?P<v1>{VALUE})|(?P<v2>{VALUE})\s?(?P<unit>{UNIT}))(?![\w])", re.IGNORECASE)
CLAUSE_BREAK = re.compile(r"[,;:()]|\s[-–]\s")


class Passage(Protocol):
    document_id: str
    text: str


@dataclass(frozen=True)
class Fact:
    document_id: str
    clause: str
    subject: frozenset[str]
    unit: str
    values: frozenset[float]

    @property
    def identifiers(self) -> frozenset[str]:
        """Product codes and similar names (letters and digits, e.g. rw-200): they tell subjects apart."""
        return frozenset(w for w in self.subject if any(c.isdigit() for c in w) and any(c.isalpha() for c in w))


@dataclass(frozen=True)
class Contradiction:
    first: Fact
    second: Fact

    @property
    def subject(self) -> frozenset[str]:
        return self.first.subject & self.second.subject

    def describe(self) -> str:
        return (f"Sources disagree: {self.first.document_id} says \"{_clip(self.first.clause)}\" but "
                f"{self.second.document_id} says \"{_clip(self.second.clause)}\".")


class ContradictionDetector(Protocol):
    def find(self, passages: list[Passage]) -> list[Contradiction]: ...


class AmountContradictionDetector:
    def __init__(self, min_subject_overlap: float = 0.6, min_shared_words: int = 2) -> None:
        self._min_overlap = min_subject_overlap
        self._min_shared = min_shared_words

    def find(self, passages: list[Passage]) -> list[Contradiction]:
        facts = [fact for passage in passages for fact in facts_in(passage)]
        found = [Contradiction(a, b) for a, b in combinations(facts, 2) if self._conflict(a, b)]
        return _distinct(found)

    def _conflict(self, a: Fact, b: Fact) -> bool:
        if a.document_id == b.document_id or a.unit != b.unit or a.values & b.values or a.identifiers != b.identifiers:
            return False
        shared = a.subject & b.subject
        return len(shared) >= self._min_shared and len(shared) / len(a.subject | b.subject) >= self._min_overlap


def facts_in(passage: Passage) -> list[Fact]:
    facts = []
    for sentence in sentences(passage.text):
        for clause in CLAUSE_BREAK.split(sentence):
            facts.extend(_facts_of_clause(passage.document_id, clause.strip()))
    return facts


def _facts_of_clause(document_id: str, clause: str) -> list[Fact]:
    by_unit: dict[str, set[float]] = {}
    for match in AMOUNT.finditer(clause):
        unit = UNITS[(match["prefix"] or match["unit"]).lower()]
        by_unit.setdefault(unit, set()).add(float((match["v1"] or match["v2"]).replace(",", "")))
    subject = frozenset(w for w in content_words(AMOUNT.sub(" ", clause)) if not w[0].isdigit())
    return [Fact(document_id, clause, subject, unit, frozenset(values)) for unit, values in by_unit.items() if subject]


def _distinct(found: list[Contradiction]) -> list[Contradiction]:
    seen, distinct = set(), []
    for contradiction in found:
        key = (contradiction.first.clause.lower(), contradiction.second.clause.lower())
        if key not in seen:
            seen.add(key)
            distinct.append(contradiction)
    return distinct


def _clip(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
