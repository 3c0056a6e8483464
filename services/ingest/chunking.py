"""Paragraph-aware chunking: paragraphs are packed up to a size; an oversized paragraph is cut with overlap."""

import hashlib
import re

from libs.stores.chunks import Chunk

PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


def split_long(text: str, size: int, overlap: int) -> list[str]:
    step = max(size - overlap, 1)
    return [text[i : i + size] for i in range(0, max(len(text) - overlap, 1), step)]


def pack_paragraphs(text: str, size: int, overlap: int) -> list[str]:
    pieces: list[str] = []
    current = ""
    for paragraph in (p.strip() for p in PARAGRAPH_BREAK.split(text)):
        if not paragraph:
            continue
        if len(paragraph) > size:
            pieces.extend(filter(None, [current]))
            pieces.extend(split_long(paragraph, size, overlap))
            current = ""
        elif len(current) + len(paragraph) + 2 > size:
            pieces.extend(filter(None, [current]))
            current = paragraph
        else:
            current = f"{current}\n\n{paragraph}" if current else paragraph
    pieces.extend(filter(None, [current]))
    return pieces


def chunk_id(tenant: str, document_id: str, text: str) -> str:
    """Stable across re-ingests of unchanged text, distinct across tenants."""
    digest = hashlib.sha256(f"{tenant}\x00{document_id}\x00{text}".encode()).hexdigest()[:16]
    return f"{document_id}#{digest}"


def chunk_document(tenant: str, document_id: str, source: str, text: str, size: int, overlap: int) -> list[Chunk]:
    unique: dict[str, Chunk] = {}
    for position, piece in enumerate(pack_paragraphs(text, size, overlap)):
        cid = chunk_id(tenant, document_id, piece)
        unique.setdefault(cid, Chunk(cid, document_id, tenant, source, piece, position))
    return list(unique.values())
