"""Loads and checks the prompt files: `<folder>/<id>.yaml` with `id`, `version`, `system` and `layout`.

Checked when generate starts (a bad file stops it, with the file's name in the error): the id is the file's
name, the version a positive integer, the layout holds `{sources}` and `{question}` and no other field, the
system prompt tells the model the `NOT_FOUND` reply, and a `default` prompt exists.
"""

import string
from functools import cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from libs.models.prompts import DEFAULT_VARIANT, NOT_FOUND, PromptRegistry, PromptTemplate

PROMPTS_DIR = Path(__file__).resolve().parents[2] / "prompts"
LAYOUT_FIELDS = {"sources", "question"}


class PromptFileError(ValueError):
    """A prompt file that cannot be used; the message starts with the file's path."""


class PromptFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")
    version: int = Field(ge=1)
    system: str = Field(min_length=1)
    layout: str

    @field_validator("system")
    @classmethod
    def tells_the_not_found_reply(cls, system: str) -> str:
        if NOT_FOUND not in system:
            raise ValueError(f"the system prompt must tell the model to reply {NOT_FOUND} (the generator reads it)")
        return system

    @field_validator("layout")
    @classmethod
    def has_exactly_the_layout_fields(cls, layout: str) -> str:
        try:
            fields = {name for _, name, _, _ in string.Formatter().parse(layout) if name is not None}
        except ValueError as error:
            raise ValueError(f"layout: {error} (write a literal brace as {{{{ or }}}})") from error
        if fields != LAYOUT_FIELDS:
            raise ValueError(f"layout must use {{sources}} and {{question}} and nothing else, found {sorted(fields)}")
        return layout


def read_prompt_file(path: Path) -> PromptTemplate:
    try:
        parsed = PromptFile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (OSError, yaml.YAMLError, ValidationError) as error:
        raise PromptFileError(f"{path}: {error}") from error
    if parsed.id != path.stem:
        raise PromptFileError(f"{path}: id {parsed.id!r} differs from the file name {path.stem!r}")
    return PromptTemplate(parsed.id, parsed.version, parsed.system, parsed.layout)


def load_prompts(folder: Path = PROMPTS_DIR) -> PromptRegistry:
    paths = sorted(folder.glob("*.yaml"))
    templates = {template.id: template for template in map(read_prompt_file, paths)}
    if DEFAULT_VARIANT not in templates:
        raise PromptFileError(f"{folder / (DEFAULT_VARIANT + '.yaml')}: missing; every other variant falls back to it")
    return PromptRegistry(templates)


@cache
def bundled_prompts() -> PromptRegistry:
    return load_prompts(PROMPTS_DIR)
