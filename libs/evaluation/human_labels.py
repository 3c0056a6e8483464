"""Human evaluation: the JSONL files annotators fill in, and how far the judge agrees with them."""

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field, StrictBool, ValidationError

from libs.contracts.questions import AnswerCompleted

JUDGE_FAITHFUL_AT = 0.5
LABEL_FIELDS = ("label_faithful", "label_correct")


class HumanLabel(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    request_id: str = Field(min_length=1, max_length=128)
    annotator: str = Field(min_length=1, max_length=100)
    label_faithful: StrictBool
    label_correct: StrictBool
    notes: str = ""


class LabelFileError(ValueError):
    """A labelled file with malformed lines; nothing of it was imported."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class LabelledScore:
    human: bool
    judge_score: float | None


@dataclass(frozen=True)
class Agreement:
    n: int
    percent: float | None
    kappa: float | None


def export_record(answer: AnswerCompleted) -> dict:
    """One line for annotators: what was asked, answered and cited, and blank label fields."""
    return {
        "request_id": answer.request_id,
        "tenant": answer.tenant,
        "variant": answer.variant,
        "question": answer.question,
        "answer": answer.answer,
        "citations": [{"document_id": c.document_id, "source": c.source, "quote": c.quote} for c in answer.citations],
        "context_text": answer.context_text,
        "label_faithful": None,
        "label_correct": None,
        "annotator": "",
        "notes": "",
    }


def parse_line(text: str) -> HumanLabel | None:
    """The label on one line; None when the line is blank or not labelled yet. Raises ValueError otherwise."""
    if not text.strip():
        return None
    try:
        record = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"not valid JSON ({error.msg} at column {error.colno})") from None
    if not isinstance(record, dict):
        raise ValueError("expected a JSON object")
    if all(record.get(field) is None for field in LABEL_FIELDS):
        return None
    try:
        return HumanLabel.model_validate(record)
    except ValidationError as error:
        raise ValueError("; ".join(_describe(problem) for problem in error.errors())) from None


def _describe(problem: dict) -> str:
    field = ".".join(str(part) for part in problem["loc"])
    return f"{field}: must be true or false" if field in LABEL_FIELDS else f"{field}: {problem['msg']}"


def parse_labels(lines: Iterable[str]) -> dict[int, HumanLabel]:
    """Every labelled line by its 1-based number; raises LabelFileError naming each malformed or repeated line."""
    labels, problems, first_seen = {}, [], {}
    for number, text in enumerate(lines, start=1):
        try:
            label = parse_line(text)
        except ValueError as error:
            problems.append(f"line {number}: {error}")
            continue
        if label is None:
            continue
        key = (label.request_id, label.annotator)
        if key in first_seen:
            problems.append(f"line {number}: same request_id and annotator as line {first_seen[key]}")
            continue
        first_seen[key] = number
        labels[number] = label
    if problems:
        raise LabelFileError(problems)
    return labels


def judge_says_faithful(score: float) -> bool:
    return score >= JUDGE_FAITHFUL_AT


def faithfulness_pairs(labelled: Iterable[LabelledScore]) -> list[tuple[bool, bool]]:
    """(judge, human) verdicts where the judge measured the answer; unscored and unmeasured ones are left out."""
    return [(judge_says_faithful(l.judge_score), l.human) for l in labelled if l.judge_score is not None]


def cohens_kappa(pairs: Sequence[tuple[bool, bool]]) -> float | None:
    """κ = (p_o − p_e) / (1 − p_e); None when chance agreement is certain (both raters gave one class only)."""
    if not pairs:
        return None
    n = len(pairs)
    observed = sum(a == b for a, b in pairs) / n
    first_yes = sum(a for a, _ in pairs) / n
    second_yes = sum(b for _, b in pairs) / n
    expected = first_yes * second_yes + (1 - first_yes) * (1 - second_yes)
    if expected == 1:
        return None
    return (observed - expected) / (1 - expected)


def agreement(pairs: Sequence[tuple[bool, bool]]) -> Agreement:
    if not pairs:
        return Agreement(n=0, percent=None, kappa=None)
    percent = 100 * sum(a == b for a, b in pairs) / len(pairs)
    return Agreement(n=len(pairs), percent=percent, kappa=cohens_kappa(pairs))
