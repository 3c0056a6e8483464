"""How the fake server tells Claude generations apart, read from the model name alone.

Claude 5.x models think unless the request turns it off, count ~30% more tokens for the same text, and
refuse manual thinking budgets and sampling parameters; Sonnet 5.5 and later refuse `thinking.disabled`;
`output_config.effort` is refused below 4.6 (Opus 4.5 excepted). These rules are written independently
of `libs/models/model_catalogue.py`, so the generator's request settings are checked by a second opinion.
Names without a version ("m") follow no rule.
"""

import math
import re

VERSION = re.compile(r"^claude-(?P<family>[a-z]+)-(?P<major>\d)(?:-(?P<minor>\d)(?!\d))?")
CHARS_PER_TOKEN = 4.0
NEW_TOKENIZER_GROWTH = 1.3
SAMPLING = ("temperature", "top_p", "top_k")
THINKING_OFF_TYPES = {"disabled", "between_tools"}


def version(model: str) -> tuple[str, int, int] | None:
    found = VERSION.match(model)
    return (found["family"], int(found["major"]), int(found["minor"] or 0)) if found else None


def fifth_generation(model: str) -> bool:
    found = version(model)
    return found is not None and found[1] >= 5


def chars_per_token(model: str) -> float:
    return CHARS_PER_TOKEN / NEW_TOKENIZER_GROWTH if fifth_generation(model) else CHARS_PER_TOKEN


def count_tokens(text: str, model: str) -> int:
    return math.ceil(len(text) / chars_per_token(model))


def thinking_type(request: dict) -> str | None:
    thinking = request.get("thinking")
    return thinking.get("type") if isinstance(thinking, dict) else None


def thinks(request: dict) -> bool:
    return fifth_generation(str(request.get("model", ""))) and thinking_type(request) not in THINKING_OFF_TYPES


def refusal(request: dict) -> str | None:
    """The 400 message the API would give this request, or None when it would be accepted."""
    found = version(str(request.get("model", "")))
    if found is None:
        return None
    family, major, minor = found
    kind, effort = thinking_type(request), (request.get("output_config") or {}).get("effort")
    if major >= 5 and kind == "enabled":
        return '"thinking.type.enabled" is not supported for this model. Use "output_config.effort".'
    if major >= 5 and any(request.get(name) is not None for name in SAMPLING):
        return "temperature, top_p and top_k are not supported for this model."
    if kind == "disabled" and (major, minor) >= (5, 5):
        return '"thinking.type.disabled" is not supported for this model. Use "thinking.type.between_tools".'
    if kind == "between_tools" and (major, minor) < (5, 5):
        return '"thinking.type.between_tools" is not supported for this model.'
    if effort is not None and (major, minor) < (4, 6) and (family, major, minor) != ("opus", 4, 5):
        return "output_config.effort is not supported for this model."
    return None
