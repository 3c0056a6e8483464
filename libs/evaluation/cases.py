"""The versioned evaluation set (eval/cases.jsonl): load and validate it."""

import json
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

CASES_FILE = Path("eval/cases.jsonl")
VERSION_FILE = Path("eval/VERSION")


class Expected(StrEnum):
    ANSWER = "answer"
    ABSTAIN = "abstain"
    BLOCK = "block"


class EvalCase(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[a-z]+-\d{3}$")
    tenant: str
    question: str = Field(min_length=1)
    relevant_doc_ids: list[str]
    key_facts: list[str]
    reference_answer: str
    expected: Expected
    category: str
    notes: str = ""
    model_fault: str | None = Field(
        default=None, description="Run the case with every model API call failing this way (a fake server fault kind).")

    @field_validator("model_fault")
    @classmethod
    def known_fault(cls, kind: str | None) -> str | None:
        from libs.testing.fake_faults import KINDS

        if kind is not None and kind not in KINDS:
            raise ValueError(f"unknown model_fault {kind!r}; one of {KINDS}")
        return kind


def load_cases(path: Path = CASES_FILE) -> list[EvalCase]:
    cases = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            cases.append(EvalCase.model_validate(json.loads(line)))
        except (json.JSONDecodeError, ValidationError) as error:
            raise ValueError(f"{path}:{number}: invalid case: {error}") from error
    ids = [case.id for case in cases]
    if len(set(ids)) != len(ids):
        raise ValueError(f"{path}: duplicate case ids")
    return cases


def eval_version(path: Path = VERSION_FILE) -> str:
    return path.read_text(encoding="utf-8").strip()
