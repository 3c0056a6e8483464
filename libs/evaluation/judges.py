"""Judges score an answer. The offline judge is deterministic and needs no network; the LLM judge is in llm_judge.

A judge returns None for a metric it could not measure: that is recorded as unmeasured, never as a
pass or a fail.
"""

import asyncio
from dataclasses import dataclass
from functools import cached_property
from statistics import fmean
from typing import Protocol

import numpy as np

from libs.contracts.questions import AnswerCompleted
from libs.evaluation import metrics
from libs.guards.grounding import Embedder, EmbeddingLexicalScorer, claims_of
from libs.models.embedder import MiniLmEmbedder

EMBEDDING_WEIGHT = 0.5  # the guardrail's grounding default: cosine and word overlap count alike


@dataclass(frozen=True)
class Score:
    metric: str
    value: float | None  # the mean of the measured repeats; None: unmeasured
    spread: float | None = None  # max - min of the measured repeats; None when fewer than two were measured
    repeats: int = 1  # how many measurements the value is the mean of


class Judge(Protocol):
    name: str
    version: str
    prompt: str
    repeats: int  # times each answer is judged; 1 for a deterministic judge

    async def score(self, answer: AnswerCompleted) -> list[Score]: ...


def combine_repeats(metric: str, values: list[float | None]) -> Score:
    """One score from repeated judgements: the mean and the range of those measured; none measured: unmeasured.

    The range, not the standard deviation: with three repeats it is the disagreement one can read off directly.
    """
    measured = [value for value in values if value is not None]
    if not measured:
        return Score(metric, None, None, 0)
    spread = round(max(measured) - min(measured), 4) if len(measured) > 1 else None
    return Score(metric, fmean(measured), spread, len(measured))


class OfflineJudge:
    """Support of each answer claim by the cited passages, and how well the answer addresses the question, from
    embedding similarity and lexical overlap: deterministic, no network (the bundled MiniLM, one thread)."""

    name = "offline"
    version = "2"  # 1: lexical overlap only
    prompt = ""  # no model, no prompt: recorded as empty with every score
    repeats = 1  # deterministic: a repeat would say the same

    def __init__(self, embedder: Embedder | None = None) -> None:
        self._given = embedder

    @cached_property
    def _embedder(self) -> Embedder:  # loaded on first use: building a judge stays cheap
        return self._given or MiniLmEmbedder(threads=1)

    @cached_property
    def _support(self) -> EmbeddingLexicalScorer:
        return EmbeddingLexicalScorer(self._embedder, EMBEDDING_WEIGHT)

    async def score(self, answer: AnswerCompleted) -> list[Score]:
        return await asyncio.to_thread(self.score_now, answer)

    def score_now(self, answer: AnswerCompleted) -> list[Score]:
        return [
            combine_repeats("faithfulness", [self.faithfulness(answer)]),
            combine_repeats("answer_relevance", [self.answer_relevance(answer.question, answer.answer)]),
        ]

    def faithfulness(self, answer: AnswerCompleted) -> float | None:
        """Share of the answer's claims whose support by the cited quotes reaches SUPPORT_THRESHOLD."""
        claims, quotes = claims_of(answer.answer), [c.quote for c in answer.citations if c.quote.strip()]
        if not claims or not quotes:
            return None
        return sum(support >= metrics.SUPPORT_THRESHOLD for support in self._support.score(claims, quotes)) / len(claims)

    def answer_relevance(self, question: str, answer: str) -> float | None:
        """Mean of the question–answer cosine and the share of the question's content words the answer holds."""
        lexical = metrics.answer_relevance(question, answer)
        if lexical is None:
            return None
        question_vector, answer_vector = self._embedder.embed([question, metrics.CITATION_MARK.sub("", answer)])
        cosine = float(np.clip(question_vector @ answer_vector, 0.0, 1.0))
        return EMBEDDING_WEIGHT * cosine + (1 - EMBEDDING_WEIGHT) * lexical
