"""Groundedness of answer sentences against the cited context, without an NLI model.

Support of a claim = (w · cosine to its most similar evidence sentence + (1 − w) · share of its content words
found in the evidence) × share of its numbers found in the evidence. The number factor is what catches
"the cap is 500 EUR" against a context that says 180 EUR: embeddings and word overlap both rate that close.
A sentence copied verbatim from the evidence is fully supported without embedding it (the offline extractive
generator only copies). An NLI or LLM checker can replace this behind `GroundingScorer`.
"""

import re
from collections.abc import Sequence
from typing import Protocol

import numpy as np

from libs.models.text import content_words, coverage, sentences

NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
CITATION_MARK = re.compile(r"\s*\[\d+(?:\s*,\s*\d+)*\]")


class Embedder(Protocol):
    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


class GroundingScorer(Protocol):
    def score(self, claims: Sequence[str], evidence: Sequence[str]) -> list[float]:
        """Support of each claim by the evidence texts, in [0, 1]."""
        ...


def claims_of(answer: str) -> list[str]:
    """The answer's sentences without citation marks; a mark like [1] also ends a claim (a heading has no full stop)."""
    return [claim for part in CITATION_MARK.split(answer) for claim in sentences(part)]


def normalised(text: str) -> str:
    """Case and whitespace folded, so a sentence copied from the context is recognised as copied."""
    return " ".join(text.casefold().split())


def numbers_in(text: str) -> set[str]:
    return {number.replace(",", "") for number in NUMBER.findall(text)}


def number_support(claim: str, evidence_numbers: set[str]) -> float:
    claimed = numbers_in(claim)
    return len(claimed & evidence_numbers) / len(claimed) if claimed else 1.0


class EmbeddingLexicalScorer:
    def __init__(self, embedder: Embedder, embedding_weight: float = 0.5, candidates_per_claim: int = 3) -> None:
        self._embedder = embedder
        self._weight = embedding_weight
        self._candidates = candidates_per_claim

    def score(self, claims: Sequence[str], evidence: Sequence[str]) -> list[float]:
        pool = [s for text in evidence for s in sentences(text)]
        if not pool:
            return [0.0 for _ in claims]
        joined = " ".join(evidence)
        copied = {claim for claim in claims if normalised(claim) in normalised(joined)}
        to_embed = sorted(set(claims) - copied)
        similarity = dict(zip(to_embed, self._best_similarities(to_embed, pool))) if to_embed else {}
        words, numbers = content_words(joined), numbers_in(joined)
        return [1.0 if claim in copied else self._support(claim, similarity[claim], words, numbers) for claim in claims]

    def _support(self, claim: str, similarity: float, words: set[str], numbers: set[str]) -> float:
        lexical = coverage(content_words(claim), words)
        return round((self._weight * similarity + (1 - self._weight) * lexical) * number_support(claim, numbers), 4)

    def _best_similarities(self, claims: list[str], pool: list[str]) -> list[float]:
        """Cosine of each claim to the closest of its lexically best candidate sentences (bounds embedding cost)."""
        candidates = [self._candidates_for(claim, pool) for claim in claims]
        unique = sorted({s for group in candidates for s in group})
        vectors = self._embedder.embed([*claims, *unique])
        row = {sentence: len(claims) + n for n, sentence in enumerate(unique)}
        return [
            float(max(np.clip(vectors[n] @ vectors[row[s]], 0.0, 1.0) for s in group)) if group else 0.0
            for n, group in enumerate(candidates)
        ]

    def _candidates_for(self, claim: str, pool: list[str]) -> list[str]:
        words = content_words(claim)
        return sorted(pool, key=lambda s: -coverage(words, content_words(s)))[: self._candidates]
