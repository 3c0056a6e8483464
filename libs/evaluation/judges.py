"""Judges score an answer. The offline judge is deterministic and needs no network; the LLM judge is in llm_judge.

A judge returns None for a metric it could not measure: that is recorded as unmeasured, never as a
pass or a fail.
"""

from dataclasses import dataclass
from statistics import fmean
from typing import Protocol

from libs.contracts.questions import AnswerCompleted
from libs.evaluation import metrics


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
    """Lexical support against the cited passages, and question coverage by the answer."""

    name = "offline-lexical"
    version = "1"
    prompt = ""  # no model, no prompt: recorded as empty with every score
    repeats = 1  # deterministic: a repeat would say the same

    async def score(self, answer: AnswerCompleted) -> list[Score]:
        return self.score_now(answer)

    def score_now(self, answer: AnswerCompleted) -> list[Score]:
        evidence = " ".join(c.quote for c in answer.citations)
        return [
            combine_repeats("faithfulness", [metrics.faithfulness(answer.answer, evidence)]),
            combine_repeats("answer_relevance", [metrics.answer_relevance(answer.question, answer.answer)]),
        ]
