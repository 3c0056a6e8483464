"""Charset sanity: characters that have no place in a question, and the normal form scanners read."""

import re
import unicodedata
from dataclasses import dataclass

ALLOWED_CONTROLS = frozenset("\t\n\r")
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
REPLACEMENT = "\ufffd"
INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
# Latin look-alikes from Cyrillic and Greek, as used to slip "іgnоrе" past keyword rules.
CONFUSABLES = str.maketrans("аеорсхуіјѕԁɡοαν’‘", "aeopcxyijsdgoav''")
# Rules put \s* beside \s+; on a run of thousands of blanks that backtracks for minutes, so runs become one blank.
BLANKS = re.compile(r"[^\S\n]+")
BLANK_LINES = re.compile(r" ?\n\s*")  # after BLANKS: a blank run is one space, so this cannot backtrack


@dataclass(frozen=True)
class CharsetReport:
    invalid: int
    kinds: tuple[str, ...]

    @property
    def clean(self) -> bool:
        return self.invalid == 0


def invalid_kind(char: str) -> str | None:
    """Why a character is not acceptable in a question, or None when it is."""
    if char in ALLOWED_CONTROLS:
        return None
    if char in BIDI_CONTROLS:
        return "bidi_control"
    if char == REPLACEMENT:
        return "replacement_character"
    category = unicodedata.category(char)
    if category == "Cc":
        return "control"
    if category == "Cs":
        return "surrogate"
    return "noncharacter" if is_noncharacter(char) else None


def is_noncharacter(char: str) -> bool:
    code = ord(char)
    return 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE


def check_charset(text: str) -> CharsetReport:
    kinds = [kind for kind in map(invalid_kind, text) if kind]
    return CharsetReport(invalid=len(kinds), kinds=tuple(sorted(set(kinds))))


def sanitise(text: str) -> str:
    """The text with every unacceptable character replaced by U+FFFD: safe to store (no NUL, no surrogate)."""
    return "".join(REPLACEMENT if invalid_kind(char) else char for char in text)


def normal_form(text: str) -> str:
    """What classifiers read: NFKC (full-width letters become ASCII) with invisible characters removed."""
    return unicodedata.normalize("NFKC", text).translate(INVISIBLE)


def keyword_form(text: str) -> str:
    """What keyword rules read: the normal form, lower case, Cyrillic/Greek look-alikes and curly quotes mapped to
    ASCII, every run of blanks one space and every run of blank lines one newline."""
    form = normal_form(text).casefold().translate(CONFUSABLES)
    return BLANK_LINES.sub("\n", BLANKS.sub(" ", form))
