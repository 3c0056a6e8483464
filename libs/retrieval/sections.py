"""Markdown as a flat list of blocks, each knowing the heading path it sits under.

Recognised: ATX headings (`#` … `######`), paragraphs separated by blank lines, fenced code blocks
(kept whole, `#` lines inside are not headings). Setext headings (underlined) are read as paragraphs.
"""

import re
from dataclasses import dataclass

HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.+?)(?:\s+#+)?\s*$")
FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
PIECE_END = re.compile(r"(?<=[.!?])[ \t]+|[ \t]*\n[ \t]*")


@dataclass(frozen=True)
class Block:
    path: tuple[str, ...]
    text: str
    heading: bool = False


def split_blocks(text: str, headings: bool = True) -> list[str]:
    blocks: list[str] = []
    current: list[str] = []
    fence = ""
    for line in text.splitlines():
        if fence or FENCE.match(line):
            fence = _in_fence(line, fence, current, blocks)
        elif not line.strip():
            _flush(current, blocks)
        elif headings and HEADING.match(line):
            _flush(current, blocks)
            blocks.append(line.strip())
        else:
            current.append(line)
    _flush(current, blocks)
    return blocks


def _in_fence(line: str, fence: str, current: list[str], blocks: list[str]) -> str:
    """Adds the line to the fenced block; returns the fence still open ("" once it is closed)."""
    if not fence:
        _flush(current, blocks)
        current.append(line)
        return FENCE.match(line)[1]
    current.append(line)
    if line.strip().startswith(fence):
        _flush(current, blocks)
        return ""
    return fence


def _flush(current: list[str], blocks: list[str]) -> None:
    text = "\n".join(current).strip()
    if text:
        blocks.append(text)
    current.clear()


def markdown_blocks(text: str, headings: bool = True) -> list[Block]:
    levels: list[tuple[int, str]] = []
    blocks = []
    for raw in split_blocks(text, headings):
        match = HEADING.match(raw) if headings and "\n" not in raw else None
        if match:
            levels = [(level, title) for level, title in levels if level < len(match[1])] + [(len(match[1]), match[2])]
        blocks.append(Block(tuple(title for _, title in levels), raw, heading=bool(match)))
    return blocks


def pieces(paragraph: str) -> list[tuple[str, str]]:
    """(joiner, text) per sentence or line; the joiner is what separated it from the piece before."""
    found: list[tuple[str, str]] = []
    joiner, start = "\n\n", 0
    for end in PIECE_END.finditer(paragraph):
        found.append((joiner, paragraph[start : end.start()]))
        joiner, start = ("\n" if "\n" in end.group() else " "), end.end()
    found.append((joiner, paragraph[start:]))
    return [(joiner, piece.strip()) for joiner, piece in found if piece.strip()]
