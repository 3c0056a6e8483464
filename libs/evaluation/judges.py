"""Judges score an answer. The offline judge is deterministic and needs no network."""

import re
from dataclasses import dataclass
from typing import Protocol

from libs.contracts.questions import AnswerCompleted
from libs.models.text import content_words, coverage, sentences

CITATION_MARK = re.compile(r"\s*\[\d{1,2}\]")


@dataclass(frozen=True)
class Score:
    metric: str
    value: float | None  # None: the judge could not measure it, never a pass or a fail


class Judge(Protocol):
    name: str
    version: str

    def score(self, answer: AnswerCompleted) -> list[Score]: ...


class OfflineJudge:
    """Faithfulness as lexical support: the share of answer sentences whose words the cited quotes contain."""

    name = "offline-lexical"
    version = "1"

    def __init__(self, support_threshold: float = 0.6) -> None:
        self._threshold = support_threshold

    def score(self, answer: AnswerCompleted) -> list[Score]:
        claims = sentences(CITATION_MARK.sub("", answer.answer))
        if not claims or not answer.citations:
            return [Score("faithfulness", None)]
        cited_words = content_words(" ".join(c.quote for c in answer.citations))
        supported = sum(coverage(content_words(claim), cited_words) >= self._threshold for claim in claims)
        return [Score("faithfulness", round(supported / len(claims), 4))]
