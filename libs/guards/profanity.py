"""A small, documented profanity check behind `ProfanityCheck`.

`alt-profanity-check` (a trained linear model) is not installed; this word list covers unambiguous English
profanity only, matched as whole words with common inflections, so "Scunthorpe" or "assess" never match.
It does not detect insults without swear words, slurs, threats or other languages: replace it behind the
Protocol when that matters.
"""

import re
from typing import Protocol

WORDS = ("fuck", "fucking", "fucked", "fucker", "motherfucker", "shit", "shitty", "bullshit", "cunt", "asshole",
         "arsehole", "bitch", "bastard", "dickhead", "wanker", "twat", "piss off", "pissed off", "goddamn")


class ProfanityCheck(Protocol):
    def find(self, text: str) -> list[str]:
        """The profane words found (lower case), empty when clean."""
        ...


class WordListProfanity:
    def __init__(self, words: tuple[str, ...] = WORDS) -> None:
        alternatives = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(words, key=len, reverse=True))
        self._pattern = re.compile(rf"\b(?:{alternatives})(?:s|es|ed|ing)?\b", re.IGNORECASE)

    def find(self, text: str) -> list[str]:
        return [match.group(0).lower() for match in self._pattern.finditer(text)]
