"""Fit retrieved chunks into the model's context: count tokens locally, drop near-duplicates, pack by rank.

Tokens are estimated, not counted by the API (no network call per request). The Sonnet 5.x tokenizer
counts ~30% more tokens than Sonnet 4.x for the same text (~3.1 characters per English token instead of
~4), so characters / 2.7 still errs on the side of fitting; the 3.5 used before no longer did.
"""

import math
import re
from dataclasses import dataclass, field
from typing import Protocol

from libs.contracts.questions import RetrievedChunk
from libs.models.prompts import PromptTemplate, render, source_entry

WORDS = re.compile(r"\w+")
SOURCE_SEPARATOR = "\n\n"
MIN_CUT_TOKENS = 32  # a chunk cut shorter than this is not worth sending


class TokenCounter(Protocol):
    name: str

    def count(self, text: str) -> int: ...


@dataclass(frozen=True)
class CharRatioCounter:
    chars_per_token: float = 2.7

    @property
    def name(self) -> str:
        return f"chars/{self.chars_per_token:g}"

    def count(self, text: str) -> int:
        return math.ceil(len(text) / self.chars_per_token)


@dataclass(frozen=True)
class ContextLimits:
    window_tokens: int = 8192  # prompt and reserved output together
    output_tokens: int = 512  # everything `max_tokens` allows: the answer and any thinking
    duplicate_similarity: float = 0.8  # Jaccard of word 3-shingles at or above which a chunk is a duplicate


@dataclass(frozen=True)
class ContextPlan:
    chunks: list[RetrievedChunk]
    prompt_tokens: int
    dropped_chunk_ids: list[str] = field(default_factory=list)
    fits: bool = True  # False: not even the question fits; no model call can be made


def shingles(text: str, size: int = 3) -> set[tuple[str, ...]]:
    words = WORDS.findall(text.lower())
    return set(zip(*(words[i:] for i in range(size)))) if len(words) >= size else {tuple(words)}


def jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


def near_identical(a: set, b: set, similarity: float) -> bool:
    sizes = sorted((len(a), len(b)))
    if sizes[0] < similarity * sizes[1]:  # Jaccard <= smaller / larger: no need to intersect
        return False
    return jaccard(a, b) >= similarity


def without_duplicates(chunks: list[RetrievedChunk], similarity: float) -> tuple[list[RetrievedChunk], list[str]]:
    """Keep the better-ranked of near-identical chunks; return the kept ones and the ids dropped."""
    kept: list[tuple[RetrievedChunk, set]] = []
    dropped = []
    for chunk in chunks:
        words = shingles(chunk.text)
        if any(near_identical(words, other, similarity) for _, other in kept):
            dropped.append(chunk.chunk_id)
        else:
            kept.append((chunk, words))
    return [chunk for chunk, _ in kept], dropped


def cut_to(chunk: RetrievedChunk, number: int, tokens: int, counter: TokenCounter) -> RetrievedChunk | None:
    """The chunk with its text shortened until its source entry fits `tokens`; None when too little fits."""
    text = chunk.text
    while text and counter.count(source_entry(number, chunk.model_copy(update={"text": text}))) > tokens:
        text = text[: int(len(text) * 0.9)]
    return chunk.model_copy(update={"text": text}) if counter.count(text) >= MIN_CUT_TOKENS else None


def pack(chunks: list[RetrievedChunk], room: int, counter: TokenCounter) -> tuple[list[RetrievedChunk], list[str], int]:
    """Chunks by rank while they fit in `room` tokens; the best one is cut to fit when none fits whole."""
    packed, dropped, used = [], [], 0
    for chunk in chunks:
        cost = counter.count(source_entry(len(packed) + 1, chunk) + SOURCE_SEPARATOR)
        if used + cost <= room:
            packed.append(chunk)
            used += cost
        else:
            dropped.append(chunk.chunk_id)
    if not packed and chunks and (cut := cut_to(chunks[0], 1, room - counter.count(SOURCE_SEPARATOR), counter)):
        return [cut], dropped[1:], counter.count(source_entry(1, cut) + SOURCE_SEPARATOR)
    return packed, dropped, used


def plan_context(
    question: str, chunks: list[RetrievedChunk], template: PromptTemplate, counter: TokenCounter, limits: ContextLimits
) -> ContextPlan:
    unique, duplicates = without_duplicates(chunks, limits.duplicate_similarity)
    empty = render(template, question, [])
    fixed = counter.count(empty.system) + counter.count(empty.user)
    room = limits.window_tokens - limits.output_tokens - fixed
    if room <= MIN_CUT_TOKENS:
        return ContextPlan(chunks=unique, prompt_tokens=fixed, dropped_chunk_ids=duplicates, fits=False)
    packed, over_budget, used = pack(unique, room, counter)
    return ContextPlan(chunks=packed, prompt_tokens=fixed + used, dropped_chunk_ids=duplicates + over_budget)
