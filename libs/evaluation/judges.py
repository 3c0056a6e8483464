"""Judges score an answer. The offline judge is deterministic and needs no network.

A judge returns None for a metric it could not measure: that is recorded as unmeasured, never as a
pass or a fail.
"""

from dataclasses import dataclass
from typing import Protocol

from libs.contracts.questions import AnswerCompleted
from libs.evaluation import metrics


@dataclass(frozen=True)
class Score:
    metric: str
    value: float | None


class Judge(Protocol):
    name: str
    version: str
    prompt: str

    async def score(self, answer: AnswerCompleted) -> list[Score]: ...


class OfflineJudge:
    """Lexical support against the cited passages, and question coverage by the answer."""

    name = "offline-lexical"
    version = "1"
    prompt = ""  # no model, no prompt: recorded as empty with every score

    async def score(self, answer: AnswerCompleted) -> list[Score]:
        return self.score_now(answer)

    def score_now(self, answer: AnswerCompleted) -> list[Score]:
        evidence = " ".join(c.quote for c in answer.citations)
        return [
            Score("faithfulness", metrics.faithfulness(answer.answer, evidence)),
            Score("answer_relevance", metrics.answer_relevance(answer.question, answer.answer)),
        ]
