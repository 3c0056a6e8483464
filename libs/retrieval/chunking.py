"""Structure-aware chunking measured in embedder tokens.

A document becomes units (heading lines, sentences or lines, token windows of oversized sentences), each
under a heading path. Units are packed greedily up to `chunk_tokens`, counting the heading-path prefix
("Title > Section") every chunk starts with. A chunk cut inside a section repeats up to `overlap_tokens`
of the previous chunk's last sentences; a chunk that starts a new section repeats nothing.
"""

import hashlib
import os
from dataclasses import dataclass
from functools import lru_cache

from libs.retrieval.formats import DocumentFormat, as_markdown, detect_format
from libs.retrieval.sections import FENCE, Block, markdown_blocks, pieces
from libs.retrieval.tokens import TokenCounter
from libs.stores.chunks import Chunk

PATH_SEPARATOR = " > "


@dataclass(frozen=True)
class ChunkingConfig:
    chunk_tokens: int = 200
    overlap_tokens: int = 40
    merge_sections: bool = False


@dataclass(frozen=True)
class SourceDocument:
    tenant: str
    document_id: str
    source: str
    text: str
    version: str = "1"


@dataclass(frozen=True)
class Unit:
    path: tuple[str, ...]
    text: str
    joiner: str
    tokens: int
    heading: bool = False


class _Sizer:
    """Token counts of heading prefixes, cached: every unit of a section shares one."""

    def __init__(self, counter: TokenCounter, config: ChunkingConfig) -> None:
        self.counter, self.config = counter, config
        self.prefix = lru_cache(maxsize=1024)(self._prefix)

    def _prefix(self, path: tuple[str, ...]) -> tuple[str, int]:
        """The longest tail of the path that fits in half a chunk, with its token count."""
        limit = self.config.chunk_tokens // 2
        for start in range(len(path)):
            text = PATH_SEPARATOR.join(path[start:])
            if (tokens := self.counter.count(text)) <= limit:
                return text, tokens
        text = self.counter.windows(path[-1], limit, 0)[0] if path else ""
        return text, self.counter.count(text)

    def body_budget(self, path: tuple[str, ...]) -> int:
        return self.config.chunk_tokens - self.prefix(path)[1]


def units_of(blocks: list[Block], sizer: _Sizer) -> list[Unit]:
    units = []
    for block in blocks:
        if block.heading:
            units.append(Unit(block.path, block.text, "\n\n", sizer.counter.count(block.text), heading=True))
            continue
        split = [("\n\n", block.text)] if FENCE.match(block.text) else pieces(block.text)
        for joiner, piece in split:
            units.extend(_sized(block.path, joiner, piece, sizer))
    return units


def _sized(path: tuple[str, ...], joiner: str, piece: str, sizer: _Sizer) -> list[Unit]:
    budget, tokens = sizer.body_budget(path), sizer.counter.count(piece)
    if tokens <= budget:
        return [Unit(path, piece, joiner, tokens)]
    windows = sizer.counter.windows(piece, budget, sizer.config.overlap_tokens)
    return [Unit(path, w, joiner if n == 0 else " ", sizer.counter.count(w)) for n, w in enumerate(windows)]


def _common_path(units: list[Unit]) -> tuple[str, ...]:
    content = [unit.path for unit in units if not unit.heading] or [unit.path for unit in units]
    return tuple(os.path.commonprefix(content))


def _layout(units: list[Unit]) -> tuple[tuple[str, ...], list[Unit]]:
    """(heading path of the chunk, body units): leading headings the path already names are not repeated."""
    path = _common_path(units)
    named = next((n for n, unit in enumerate(units) if not (unit.heading and path[: len(unit.path)] == unit.path)), len(units))
    return path, units[named:]


def _cost(units: list[Unit], sizer: _Sizer) -> int:
    path, body = _layout(units)
    return sizer.prefix(path)[1] + sum(unit.tokens for unit in body)


def sections_of(units: list[Unit]) -> list[list[Unit]]:
    """A heading line and the units up to the next heading line (any level)."""
    sections: list[list[Unit]] = []
    for unit in units:
        if unit.heading or not sections:
            sections.append([])
        sections[-1].append(unit)
    return sections


def pack(units: list[Unit], sizer: _Sizer) -> list[list[Unit]]:
    """Whole sections are packed together while they fit; a section too big for a chunk is cut with overlap,
    and the chunk holding its end takes no further section."""
    chunks: list[list[Unit]] = []
    current: list[Unit] = []
    whole = True
    for section in sections_of(units):
        if current and whole and _fits_beside(current, section, sizer):
            current += section
            continue
        closed, carried = _close(current)
        chunks.extend([closed] if closed else [])
        current, whole = [*carried, *section], True
        if _cost(current, sizer) > sizer.config.chunk_tokens:
            *full, current = pack_units(current, sizer)
            chunks.extend(full)
            whole = False
    closed, carried = _close(current)
    return [*chunks, *([closed] if closed else []), *([carried] if carried else [])]


def _fits_beside(current: list[Unit], section: list[Unit], sizer: _Sizer) -> bool:
    if not sizer.config.merge_sections and not all(unit.heading for unit in current):
        return False
    return _cost([*current, *section], sizer) <= sizer.config.chunk_tokens


def pack_units(units: list[Unit], sizer: _Sizer) -> list[list[Unit]]:
    chunks: list[list[Unit]] = []
    current: list[Unit] = []
    for unit in units:
        if current and _cost([*current, unit], sizer) > sizer.config.chunk_tokens:
            closed, current = _close(current)
            chunks.extend([closed] if closed else [])
            current = current or _overlap(closed, unit, sizer)
        current.append(unit)
    return [*chunks, current] if current else chunks


def _close(units: list[Unit]) -> tuple[list[Unit], list[Unit]]:
    """Splits off trailing heading lines: they belong to the next chunk, not at the end of this one."""
    end = len(units)
    while end > 0 and units[end - 1].heading:
        end -= 1
    return units[:end], units[end:]


def _overlap(closed: list[Unit], unit: Unit, sizer: _Sizer) -> list[Unit]:
    if unit.heading:
        return []
    tail: list[Unit] = []
    for previous in reversed(closed):
        candidate = [previous, *tail]
        fits = _cost([*candidate, unit], sizer) <= sizer.config.chunk_tokens
        if previous.heading or previous.path != unit.path or not fits:
            break
        if sum(u.tokens for u in candidate) > sizer.config.overlap_tokens:
            break
        tail = candidate
    return [Unit(tail[0].path, tail[0].text, "\n\n", tail[0].tokens), *tail[1:]] if tail else []


def render(units: list[Unit], sizer: _Sizer) -> tuple[str, str]:
    """(heading path, chunk text): the path line, a blank line, then the body."""
    path, body = _layout(units)
    prefix = sizer.prefix(path)[0]
    text = body[0].text + "".join(unit.joiner + unit.text for unit in body[1:]) if body else ""
    return prefix, "\n\n".join(part for part in (prefix, text) if part)


def chunk_id(tenant: str, document_id: str, text: str) -> str:
    """Stable across re-ingests of unchanged text, distinct across tenants and documents."""
    digest = hashlib.sha256(f"{tenant}\x00{document_id}\x00{text}".encode()).hexdigest()[:16]
    return f"{document_id}#{digest}"


def chunk_document(doc: SourceDocument, counter: TokenCounter, config: ChunkingConfig = ChunkingConfig()) -> list[Chunk]:
    document_format = detect_format(doc.source, doc.text)
    blocks = markdown_blocks(as_markdown(doc.text, document_format), headings=document_format is not DocumentFormat.TEXT)
    sizer = _Sizer(counter, config)
    unique: dict[str, Chunk] = {}
    for units in pack(units_of(blocks, sizer), sizer):
        heading_path, text = render(units, sizer)
        if text:
            cid = chunk_id(doc.tenant, doc.document_id, text)
            unique.setdefault(cid, Chunk(cid, doc.document_id, doc.tenant, doc.source, text, len(unique),
                                         heading_path=heading_path, version=doc.version))
    return list(unique.values())
