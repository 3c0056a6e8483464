"""What the fake Anthropic server says: the source sentence that best covers the question, cited as [n].

It reads the prompt the way a model would — numbered sources `[n] (source)` and a `Question:` — and
replies NOT_FOUND when no sentence covers enough of the question. Tokens are counted as characters / 4,
a different estimate from the generator's own, so a context budget is tested against a second opinion.
"""

import math
import re
from uuid import uuid4

from libs.models.text import content_words, coverage, sentences

NOT_FOUND = "NOT_FOUND"
MIN_COVERAGE = 0.34
SOURCE = re.compile(r"^\[(\d{1,3})\][^\n]*\n(.*?)(?=^\[\d{1,3}\] |\n\nQuestion:|\Z)", re.DOTALL | re.MULTILINE)
QUESTION = re.compile(r"Question:\s*(.*?)(?:\n\nSources:|\Z)", re.DOTALL)


def text_of(content) -> str:
    if isinstance(content, str):
        return content
    return "".join(block.get("text", "") for block in content or [] if isinstance(block, dict))


def prompt_text(request: dict) -> str:
    users = [m for m in request.get("messages", []) if m.get("role") == "user"]
    return text_of(users[-1]["content"]) if users else ""


def tokens(text: str) -> int:
    return math.ceil(len(text) / 4)


def best_sentence(prompt: str) -> tuple[str, int] | None:
    question = QUESTION.search(prompt)
    asked = content_words(question.group(1) if question else prompt)
    scored = [
        (coverage(asked, content_words(sentence)), -int(number), sentence)
        for number, text in SOURCE.findall(prompt)
        for sentence in sentences(text)
    ]
    best = max(scored, default=None)
    return (best[2], -best[1]) if best and best[0] >= MIN_COVERAGE else None


def answer_text(prompt: str) -> str:
    best = best_sentence(prompt)
    return f"{best[0]} [{best[1]}]" if best else NOT_FOUND


def answer_message(request: dict, text: str | None = None) -> dict:
    """The message answering the request: `text`, or by default the best source sentence."""
    prompt = prompt_text(request)
    text = answer_text(prompt) if text is None else text
    input_tokens = tokens(text_of(request.get("system", ""))) + tokens(prompt)
    return {
        "id": f"msg_{uuid4().hex[:24]}",
        "type": "message",
        "role": "assistant",
        "model": request.get("model", ""),
        "content": [{"type": "text", "text": text}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": input_tokens, "output_tokens": tokens(text)},
    }


def too_long_error(input_tokens: int, limit: int) -> dict:
    message = f"prompt is too long: {input_tokens} tokens > {limit} maximum"
    return {"type": "error", "error": {"type": "invalid_request_error", "message": message}}
