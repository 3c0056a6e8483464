"""Prompt-injection scanner by meaning: MiniLM embeddings compared with labelled exemplars.

Catches what has no override words (role-play, "authorised exercise" framings, exfiltration by paraphrase,
instructions to an AI hidden in documents). The whole text and each sentence (long ones as windows) are scored,
so a short payload is not diluted by a long text; a sentence must clear a higher bar than the whole text, as in
the classifier, because a pasted thread of a hundred sentences gives a hundred chances of a false alarm.
A piece is an attack when both agree:
- its 3 nearest attack exemplars are on average closer than its 3 nearest benign ones (a local vote), and
- a logistic regression on the embedding, fitted to the exemplars at load time, gives at least the threshold.
A piece the vote calls benign scores at most 0.5: short generic sentences ("Please keep me posted") sit far
from every exemplar, where a linear model alone extrapolates. The threshold and the rule were chosen by
cross-validation in scripts/bench_guardrails.py (numbers in eval/guardrails/README.md).
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from libs.contracts.questions import CheckResult
from libs.guards.charset import normal_form
from libs.guards.segments import segments

NAME = "prompt_injection_semantic"
DEFAULT_EXEMPLARS = Path(__file__).resolve().parents[2] / "eval/guardrails/injection_exemplars.jsonl"
DEFAULT_THRESHOLD = 0.67
DEFAULT_SENTENCE_THRESHOLD = 0.71
NEIGHBOURS = 3
VOTE_CAP = 0.5
LABELS = ("attack", "benign")


class Embedder(Protocol):
    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """L2-normalised vectors, one row per text."""
        ...


class ExemplarError(ValueError):
    """The exemplar file is missing, malformed or one-sided."""


@dataclass(frozen=True)
class Span:
    where: str
    text: str
    threshold: float


@dataclass(frozen=True)
class Exemplar:
    id: str
    label: str
    family: str
    text: str

    @property
    def attack(self) -> bool:
        return self.label == "attack"


class SemanticScanner:
    name = NAME

    def __init__(self, embedder: Embedder, exemplars: Sequence[Exemplar], threshold: float = DEFAULT_THRESHOLD,
                 sentence_threshold: float = DEFAULT_SENTENCE_THRESHOLD, min_words: int = 4, l2: float = 1.0) -> None:
        _check_thresholds(threshold, sentence_threshold)
        _check_both_labels(exemplars)
        self._embedder = embedder
        self._exemplars = tuple(exemplars)
        self._threshold = threshold
        self._sentence_threshold = sentence_threshold
        self._min_words = min_words
        self._vectors = self.embed([e.text for e in self._exemplars])
        self._attack = np.array([e.attack for e in self._exemplars])
        self._weights, self._bias = fit_logistic(self._vectors, self._attack, l2)

    def scan(self, text: str) -> CheckResult:
        spans = self.spans(text)
        scores, nearest = self.score(self.embed_spans(spans))
        worst = int(np.argmax(scores - [span.threshold for span in spans]))
        span, exemplar = spans[worst], self._exemplars[nearest[worst]]
        return CheckResult(
            check=self.name, passed=bool(scores[worst] < span.threshold), score=round(float(scores[worst]), 4),
            threshold=span.threshold,
            detail=f"{span.where}: nearest {exemplar.id} ({exemplar.family}); {len(spans)} spans scored",
        )

    def spans(self, text: str) -> list[Span]:
        """The whole text (normal form), then its sentences, each with the bar it must clear."""
        form = normal_form(text)
        sentences = segments(form, self._min_words)
        return [Span("whole text", form, self._threshold),
                *(Span(f"sentence {n}", s, self._sentence_threshold) for n, s in enumerate(sentences, 1))]

    def embed_spans(self, spans: Sequence[Span]) -> np.ndarray:
        """A vector per span: each distinct text embedded once, the whole text in a call of its own. A batch pads to
        its longest text, so the whole text (up to 256 tokens) in the last batch padded every sentence in it to 256
        tokens: a 23-sentence question took 2.3 s CPU instead of 0.3 s, with the same vectors (ADR 0007, 2026-11-26)."""
        texts = [span.text for span in spans]
        unique = list(dict.fromkeys(texts))
        vectors = np.vstack([self._embedder.embed(unique[:1]), *([self.embed(unique[1:])] if len(unique) > 1 else [])])
        row = {text: n for n, text in enumerate(unique)}
        return vectors[[row[text] for text in texts]]

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors in the order given, embedded shortest first: a batch pads to its longest text, and the whole
        text (up to 256 tokens) batched with short sentences made a 100-sentence thread ~4x slower."""
        order = np.argsort([len(text) for text in texts], kind="stable")
        vectors = self._embedder.embed([texts[i] for i in order])
        return vectors[np.argsort(order)]

    def score(self, vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per row: the attack probability (capped at 0.5 when the neighbours vote benign) and the nearest exemplar."""
        similarity = vectors @ self._vectors.T
        attack_nearer = _mean_of_nearest(similarity[:, self._attack]) >= _mean_of_nearest(similarity[:, ~self._attack])
        probability = 1 / (1 + np.exp(-(vectors @ self._weights + self._bias)))
        return np.where(attack_nearer, probability, np.minimum(probability, VOTE_CAP)), similarity.argmax(axis=1)


def _mean_of_nearest(similarity: np.ndarray) -> np.ndarray:
    """Per row, the mean similarity of the NEIGHBOURS most similar columns (exemplars)."""
    k = min(NEIGHBOURS, similarity.shape[1])
    return np.sort(similarity, axis=1)[:, -k:].mean(axis=1)


def _check_thresholds(*thresholds: float) -> None:
    """A bar at or below VOTE_CAP would flag pieces the neighbour vote calls benign: the vote could not veto."""
    for value in thresholds:
        if not VOTE_CAP < value <= 1:
            raise ValueError(f"thresholds must be in ({VOTE_CAP}, 1], got {value}")


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float, steps: int = 50) -> tuple[np.ndarray, float]:
    """L2-regularised logistic regression by Newton's method, both classes weighted equally."""
    design, y = np.hstack([x, np.ones((len(x), 1))]), y.astype(float)
    weight = np.where(y, 0.5 / y.mean(), 0.5 / (1 - y.mean()))
    penalty = l2 * np.eye(design.shape[1])
    penalty[-1, -1] = 0.0  # the bias is not shrunk
    beta = np.zeros(design.shape[1])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(design @ beta)))
        gradient = design.T @ (weight * (p - y)) + penalty @ beta
        hessian = (design * (weight * p * (1 - p))[:, None]).T @ design + penalty
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if np.abs(step).max() < 1e-8:
            break
    return beta[:-1], float(beta[-1])


def read_exemplars(path: Path) -> list[Exemplar]:
    """One JSON object a line: {"id", "label": "attack"|"benign", "family", "text", ...}; blank lines skipped."""
    if not path.is_file():
        raise ExemplarError(f"injection exemplars not found at {path}")
    exemplars = [_exemplar(path, n, line) for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                 if line.strip()]
    _check_both_labels(exemplars, path)
    return exemplars


def _exemplar(path: Path, number: int, line: str) -> Exemplar:
    try:
        row = json.loads(line)
        exemplar = Exemplar(id=row["id"], label=row["label"], family=row["family"], text=row["text"])
    except (json.JSONDecodeError, KeyError, TypeError) as error:
        raise ExemplarError(f"{path}:{number}: not an exemplar ({type(error).__name__}: {error})") from None
    if exemplar.label not in LABELS or not isinstance(exemplar.text, str) or not exemplar.text.strip():
        raise ExemplarError(f"{path}:{number}: label must be one of {LABELS} and text non-empty")
    return exemplar


def _check_both_labels(exemplars: Sequence[Exemplar], source: object = "exemplars") -> None:
    missing = set(LABELS) - {e.label for e in exemplars}
    if missing:
        raise ExemplarError(f"{source}: no {' or '.join(sorted(missing))} exemplars; both labels are needed")


def load_semantic_scanner(path: Path | None = None, threshold: float | None = None,
                          sentence_threshold: float | None = None, embedder: Embedder | None = None,
                          min_words: int = 4) -> SemanticScanner:
    """The scanner over the repository's exemplars (or `path`), with the bundled MiniLM unless one is given.
    The exemplars are read before the model loads, so a bad file fails start-up at once."""
    exemplars = read_exemplars(Path(path or DEFAULT_EXEMPLARS))
    if embedder is None:
        from libs.models.embedder import MiniLmEmbedder

        embedder = MiniLmEmbedder()
    return SemanticScanner(embedder, exemplars, threshold or DEFAULT_THRESHOLD,
                           sentence_threshold or DEFAULT_SENTENCE_THRESHOLD, min_words)
