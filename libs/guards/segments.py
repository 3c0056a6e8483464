"""Splits a text into the pieces a classifier scores one by one, so a short payload is not diluted by a long text."""

import re

from libs.models.text import sentences

LETTER_WORD = re.compile(r"[^\W\d_]{2,}")
WINDOW_WORDS = 24
WINDOW_STRIDE = 12


def segments(text: str, min_words: int = 4, max_words: int = 40, limit: int = 500) -> list[str]:
    """Sentences with at least `min_words` words of letters; sentences over `max_words` become overlapping windows."""
    pieces: list[str] = []
    for sentence in sentences(text):
        if len(LETTER_WORD.findall(sentence)) >= min_words:
            pieces.extend(windows(sentence, max_words))
        if len(pieces) >= limit:
            break
    return pieces[:limit]


def windows(sentence: str, max_words: int) -> list[str]:
    words = sentence.split()
    if len(words) <= max_words:
        return [sentence]
    starts = range(0, max(len(words) - WINDOW_STRIDE, 1), WINDOW_STRIDE)
    return [" ".join(words[start : start + WINDOW_WORDS]) for start in starts]
