"""PII detection and redaction. `PiiDetector` finds spans; `redact` replaces them with typed placeholders."""

from dataclasses import dataclass
from typing import Protocol

DEFAULT_ENTITIES = ("EMAIL_ADDRESS", "PHONE_NUMBER", "IBAN_CODE", "CREDIT_CARD", "IP_ADDRESS", "US_SSN")
PLACEHOLDERS = {"EMAIL_ADDRESS": "<EMAIL>", "PHONE_NUMBER": "<PHONE>", "IBAN_CODE": "<IBAN>", "CREDIT_CARD": "<CARD>",
                "IP_ADDRESS": "<IP>", "US_SSN": "<SSN>", "PERSON": "<PERSON>"}


@dataclass(frozen=True)
class PiiSpan:
    entity: str
    start: int
    end: int
    score: float

    def text_in(self, text: str) -> str:
        return text[self.start : self.end]


class PiiDetector(Protocol):
    def find(self, text: str) -> list[PiiSpan]:
        """Non-overlapping PII spans of the configured entity types, in text order."""
        ...


def placeholder(entity: str) -> str:
    return PLACEHOLDERS.get(entity, f"<{entity}>")


def redact(text: str, spans: list[PiiSpan]) -> str:
    """The text with each span replaced by its placeholder (spans must not overlap)."""
    parts, cursor = [], 0
    for span in sorted(spans, key=lambda s: s.start):
        parts += [text[cursor : span.start], placeholder(span.entity)]
        cursor = span.end
    return "".join([*parts, text[cursor:]])


def without_overlaps(spans: list[PiiSpan]) -> list[PiiSpan]:
    """Keeps the higher-scoring (then longer) span where two overlap."""
    kept: list[PiiSpan] = []
    for span in sorted(spans, key=lambda s: (-s.score, s.start - s.end)):
        if all(span.end <= other.start or span.start >= other.end for other in kept):
            kept.append(span)
    return sorted(kept, key=lambda s: s.start)


def summary(spans: list[PiiSpan]) -> str:
    """Entity counts only, e.g. "EMAIL_ADDRESS×1, PHONE_NUMBER×1": safe to log, never the values."""
    counts: dict[str, int] = {}
    for span in spans:
        counts[span.entity] = counts.get(span.entity, 0) + 1
    return ", ".join(f"{entity}×{count}" for entity, count in sorted(counts.items()))
