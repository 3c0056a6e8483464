"""Text to BM25 terms: lower-cased words, stopwords dropped, compounds kept whole and split.

"XK-4471-B" gives `xk-4471-b`, `xk`, `4471`: the exact part number matches best, its parts still match.
Stemming is the optional S-stemmer (Harman 1991: plural endings only); PyStemmer is not installed.
"""

import re
from collections.abc import Callable

from bm25s.stopwords import STOPWORDS_EN

WORD = re.compile(r"[^\W_]+(?:[-_./+][^\W_]+)*")
JOINERS = re.compile(r"[-_./+]")
STOPWORDS = frozenset(STOPWORDS_EN)

Analyzer = Callable[[str], list[str]]


def s_stem(word: str) -> str:
    if not word.isalpha() or len(word) <= 3:
        return word
    if word.endswith("ies") and not word.endswith(("eies", "aies")):
        return word[:-3] + "y"
    if word.endswith("es") and not word.endswith(("aes", "ees", "oes")):
        return word[:-1]
    if word.endswith("s") and not word.endswith(("us", "ss")):
        return word[:-1]
    return word


def _terms_of(word: str) -> list[str]:
    if not JOINERS.search(word):
        return [word]
    parts = [part for part in JOINERS.split(word) if len(part) > 1 or part.isdigit()]
    return [word, *parts]


def terms(text: str, stem: bool = False) -> list[str]:
    found = [term for word in WORD.findall(text.lower()) for term in _terms_of(word) if term not in STOPWORDS]
    return [s_stem(term) for term in found] if stem else found


def analyzer(stem: bool) -> Analyzer:
    return lambda text: terms(text, stem)
