"""The prompt-injection scan both the guardrail (questions) and ingest (chunks) run, built from one settings group.

A text is flagged when any scanner fails: the bundled classifier (whole text and sentence by sentence), the
project's rules, or, when switched on, the semantic scanner (MiniLM embeddings against labelled exemplars) and
the patterns for a document's sentences addressed to an AI reader.
The verdict keeps the classifier's score and the failing checks' details, never the text.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from libs.contracts.questions import CheckResult
from libs.guards.ai_addressee import NAME as ADDRESSEE
from libs.guards.ai_addressee import AddresseeScanner
from libs.guards.guardian import NAME as CLASSIFIER
from libs.guards.injection import InjectionScanner
from libs.guards.injection_rules import NAME as RULES
from libs.guards.injection_rules import RuleScanner, default_rules
from libs.guards.semantic_injection import (
    DEFAULT_SENTENCE_THRESHOLD,
    DEFAULT_THRESHOLD,
    VOTE_CAP,
    Embedder,
    load_semantic_scanner,
)


class InjectionScanSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="INJECTION_", extra="ignore")

    model_path: Path | None = Field(
        None, description="Prompt-injection classifier bundle; default: the one inside the securevector-guardian-model wheel.")
    text_threshold: float | None = Field(
        None, ge=0, le=1, description="Flag when the whole text scores at least this; default: the model's calibrated 0.807.")
    sentence_threshold: float | None = Field(
        None, ge=0, le=1, description="Flag when one sentence (or decoded blob) scores at least this; default: the model's 0.86.")
    min_sentence_words: int = Field(
        4, ge=1, description="Sentences with fewer words of letters are not scored alone (greetings, separators score noisily).")
    rules_enabled: bool = Field(True, description="Apply the project's own injection rules besides the classifier.")
    rules_disabled: tuple[str, ...] = Field(
        (), description='Rule or AI-addressee pattern names to skip, e.g. ["secret_exfiltration"] while a '
                        'false-positive burst is fixed (runbook).')
    semantic_threshold: float | None = Field(
        None, gt=VOTE_CAP, le=1, description="Semantic scanner (where switched on): flag when the whole text scores at "
                                             f"least this; default {DEFAULT_THRESHOLD}.")
    semantic_sentence_threshold: float | None = Field(
        None, gt=VOTE_CAP, le=1, description="Semantic scanner (where switched on): flag when one sentence (or window) "
                                             f"scores at least this; default {DEFAULT_SENTENCE_THRESHOLD}.")
    semantic_exemplars: Path | None = Field(
        None, description="Semantic scanner's exemplars (JSON lines); default: eval/guardrails/injection_exemplars.jsonl "
                          "(copied into the image).")


def load_injection_scanners(settings: InjectionScanSettings, semantic: bool = False, embedder: Embedder | None = None,
                            documents: bool = False, addressee: bool = True) -> tuple[InjectionScanner, ...]:
    """The classifier, the rules unless switched off, and with `semantic` the semantic scanner (on `embedder`, or a
    MiniLM of its own when none is given). For `documents`, the rules leave out those written for questions and,
    with `addressee`, the patterns for text speaking to an AI reader are added. Each service has its own switches:
    the semantic scanner is measured to help on questions and to flag benign documents (ADR 0007). Nothing is
    downloaded: models come in wheels."""
    scanners = [load_classifier(settings)]
    if settings.rules_enabled:
        scanners.append(load_rules(settings, documents))
    if semantic:
        scanners.append(load_semantic(settings, embedder))
    if documents and addressee:
        scanners.append(AddresseeScanner(disabled=settings.rules_disabled))
    return tuple(scanners)


def load_classifier(settings: InjectionScanSettings) -> InjectionScanner:
    from libs.guards.guardian import GuardianScanner, load_guardian

    model = load_guardian(settings.model_path)
    return GuardianScanner(
        model,
        text_threshold=settings.text_threshold or model.threshold,
        sentence_threshold=settings.sentence_threshold or model.window_min_score,
        min_words=settings.min_sentence_words,
    )


def load_rules(settings: InjectionScanSettings, documents: bool = False) -> InjectionScanner:
    return RuleScanner([rule for rule in default_rules(documents) if rule.name not in settings.rules_disabled])


def load_semantic(settings: InjectionScanSettings, embedder: Embedder | None) -> InjectionScanner:
    return load_semantic_scanner(settings.semantic_exemplars, settings.semantic_threshold,
                                 settings.semantic_sentence_threshold, embedder, settings.min_sentence_words)


@dataclass(frozen=True)
class InjectionVerdict:
    flagged: bool
    score: float
    reason: str


class InjectionScan:
    """Every scanner on one text: flagged when any fails; the score is the classifier's worst span.

    A chunk starts with its heading path ("Fleet Safety Policy > Speed"), repeated in every chunk of its
    section. The classifier reads the chunk without it: it scored bare titles such as "Globex Freight Fleet
    Safety Policy" 0.94, above its 0.86 sentence threshold; so does the semantic scanner, whose exemplars are
    sentences, not titles. The rules read the whole chunk, headings included; the AI-addressee patterns read the
    body, and the heading path with their whole-sentence patterns only.
    """

    def __init__(self, scanners: Sequence[InjectionScanner]) -> None:
        self._scanners = tuple(scanners)
        self._heading_scanners = tuple(scanner.for_headings() for scanner in scanners
                                       if isinstance(scanner, AddresseeScanner))

    def verdict(self, text: str, heading_path: str = "") -> InjectionVerdict:
        body = text.removeprefix(heading_path).lstrip() if heading_path else text
        results = [scanner.scan(text if scanner.name == RULES else body) for scanner in self._scanners]
        if heading_path:
            results += [scanner.scan(heading_path) for scanner in self._heading_scanners]
        failed = [result for result in results if not result.passed]
        return InjectionVerdict(flagged=bool(failed), score=_classifier_score(results),
                                reason="; ".join(_describe(result) for result in failed))


def _classifier_score(results: list[CheckResult]) -> float:
    return max((result.score or 0.0 for result in results if result.check == CLASSIFIER), default=0.0)


def _describe(result: CheckResult) -> str:
    if result.check in (RULES, ADDRESSEE):
        return f"{result.check} ({result.detail})"
    return f"{result.check} {result.score} >= {result.threshold} ({result.detail})"
