"""Long questions: the embedder reads only the first 254 tokens, and the question usually comes last.

A question over that limit (a pasted e-mail thread, then "My question: …") is searched with its last
paragraph that asks something (contains "?"), or its last paragraph if none does, cut to its last
sentences within `focus_tokens`. Shorter questions are searched as asked.
"""

import re

from libs.retrieval.tokens import EMBEDDER_MAX_TOKENS, TokenCounter

PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
SENTENCE_OR_LINE = re.compile(r"(?<=[.!?])\s+|\s*\n\s*")


def focus_query(question: str, counter: TokenCounter, focus_tokens: int = 64, max_tokens: int = EMBEDDER_MAX_TOKENS) -> str:
    if counter.count(question) <= max_tokens:
        return question
    paragraphs = [p for p in PARAGRAPH_BREAK.split(question) if p.strip()]
    asking = [p for p in paragraphs if "?" in p]
    return last_sentences((asking or paragraphs)[-1], counter, focus_tokens, max_tokens)


def last_sentences(text: str, counter: TokenCounter, budget: int, max_tokens: int) -> str:
    """The last sentences within `budget` tokens (at least one, cut to `max_tokens` if it alone is longer)."""
    tail: list[str] = []
    used = 0
    for sentence in reversed([s for s in SENTENCE_OR_LINE.split(text) if s.strip()]):
        tokens = counter.count(sentence)
        if tail and used + tokens > budget:
            break
        tail.insert(0, sentence)
        used += tokens
    focused = " ".join(tail)
    return focused if used <= max_tokens else counter.windows(focused, max_tokens, 0)[-1]
