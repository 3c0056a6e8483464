"""Small text utilities shared by the offline generator and the offline judge."""

import re

from libs.retrieval.analysis import s_stem

WORD = re.compile(r"[a-z0-9][a-z0-9.\-]*[a-z0-9]|[a-z0-9]")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])|\n+")
STOPWORDS = frozenset(
    """a an and are as at be by can do does for from has have how i if in is it its of on or our per
    should that the their there this to was we what when where which who why will with you your
    my me may must not no any all about into than then so such""".split()
)


def content_words(text: str) -> set[str]:
    return {w.strip(".-") for w in WORD.findall(text.lower()) if w not in STOPWORDS}


def matching_words(text: str) -> set[str]:
    """Content words with plural endings stripped, for matching a question to a sentence ("passwords" ~ "password")."""
    return {s_stem(word) for word in content_words(text)}


def sentences(text: str) -> list[str]:
    cleaned = re.sub(r"^#+\s*", "", text, flags=re.MULTILINE)
    return [s.strip() for s in SENTENCE_END.split(cleaned) if len(s.strip()) > 3]


def coverage(needle: set[str], haystack: set[str]) -> float:
    """Share of `needle` words present in `haystack` (0 when needle is empty)."""
    return len(needle & haystack) / len(needle) if needle else 0.0
