"""What the fake Anthropic server says: the source sentence that best covers the question, cited as [n].

It reads the prompt the way a model would — numbered sources `[n] (source)` and a `Question:` — and
replies NOT_FOUND when no sentence covers enough of the question. Tokens are counted as characters / 4
(30% more for Claude 5.x, see `fake_model_rules`), a different estimate from the generator's own, so a
context budget is tested against a second opinion. A model that thinks writes a `thinking` block before
the text, and the reply stops at the request's `max_tokens`, thinking included, like the API's.
"""

import re
from uuid import uuid4

from libs.models.text import content_words, coverage, sentences
from libs.testing.fake_model_rules import chars_per_token, count_tokens, thinks

NOT_FOUND = "NOT_FOUND"
MIN_COVERAGE = 0.34
UNLIMITED = 1_000_000  # the API requires max_tokens; a request without it is not cut
SOURCE = re.compile(r"^\[(\d{1,3})\][^\n]*\n(.*?)(?=^\[\d{1,3}\] |\n\nQuestion:|\Z)", re.DOTALL | re.MULTILINE)
QUESTION = re.compile(r"Question:\s*(.*?)(?:\n\nSources:|\Z)", re.DOTALL)


def text_of(content) -> str:
    if isinstance(content, str):
        return content
    return "".join(block.get("text", "") for block in content or [] if isinstance(block, dict))


def prompt_text(request: dict) -> str:
    users = [m for m in request.get("messages", []) if m.get("role") == "user"]
    return text_of(users[-1]["content"]) if users else ""


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


def thinking_text(prompt: str) -> str:
    """What the fake thinks before answering: how much of the question each source covers."""
    question = QUESTION.search(prompt)
    asked_text = (question.group(1) if question else prompt).strip()
    asked = content_words(asked_text)
    lines = [f"The question asks: {asked_text[:300]}"]
    for number, text in SOURCE.findall(prompt):
        share = max((coverage(asked, content_words(sentence)) for sentence in sentences(text)), default=0.0)
        lines.append(f"Source [{number}] covers {share:.0%} of the question's words.")
    return "\n".join(lines)


def block(kind: str, body: str) -> dict:
    if kind == "thinking":
        return {"type": "thinking", "thinking": body, "signature": f"fake-signature-{uuid4().hex[:8]}"}
    return {"type": "text", "text": body}


def within_max_tokens(parts: list[tuple[str, str]], max_tokens, model: str) -> tuple[list[dict], int, str]:
    """Content blocks cut where `max_tokens` runs out: (blocks, output tokens, stop reason)."""
    budget = max_tokens if isinstance(max_tokens, int) else UNLIMITED
    blocks, used = [], 0
    for kind, body in parts:
        if used >= budget:
            return blocks, used, "max_tokens"
        cut = body[: int((budget - used) * chars_per_token(model))]
        blocks.append(block(kind, cut))
        used += count_tokens(cut, model)
        if cut != body:
            return blocks, used, "max_tokens"
    return blocks, used, "end_turn"


def answer_message(request: dict, text: str | None = None) -> dict:
    """The message answering the request: `text`, or by default the best source sentence."""
    model, prompt = str(request.get("model", "")), prompt_text(request)
    text = answer_text(prompt) if text is None else text
    parts = ([("thinking", thinking_text(prompt))] if thinks(request) else []) + [("text", text)]
    content, output_tokens, stop_reason = within_max_tokens(parts, request.get("max_tokens"), model)
    input_tokens = count_tokens(text_of(request.get("system", "")), model) + count_tokens(prompt, model)
    return {
        "id": f"msg_{uuid4().hex[:24]}",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": stop_reason,
        "stop_sequence": None,
        "usage": {"input_tokens": input_tokens, "output_tokens": output_tokens},
    }


def too_long_error(input_tokens: int, limit: int) -> dict:
    message = f"prompt is too long: {input_tokens} tokens > {limit} maximum"
    return {"type": "error", "error": {"type": "invalid_request_error", "message": message}}
