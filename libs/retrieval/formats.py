"""Which parser a submitted document needs, from its source name and its first characters."""

import re
from enum import StrEnum
from pathlib import PurePosixPath
from urllib.parse import urlparse

from libs.retrieval.html_text import html_to_markdown

HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
TEXT_SUFFIXES = {".txt", ".text", ".rst", ".log"}
HTML_START = re.compile(r"\s*(<\?xml[^>]*>\s*)?(<!doctype\s+html|<html[\s>])", re.IGNORECASE)


class DocumentFormat(StrEnum):
    MARKDOWN = "markdown"
    HTML = "html"
    TEXT = "text"


def detect_format(source: str, text: str) -> DocumentFormat:
    """HTML by suffix or by a leading doctype/<html>; plain text by suffix; anything else is read as Markdown."""
    suffix = PurePosixPath(urlparse(source).path).suffix.lower()
    if suffix in HTML_SUFFIXES or HTML_START.match(text[:1000]):
        return DocumentFormat.HTML
    if suffix in TEXT_SUFFIXES:
        return DocumentFormat.TEXT
    return DocumentFormat.MARKDOWN


def as_markdown(text: str, document_format: DocumentFormat) -> str:
    return html_to_markdown(text) if document_format is DocumentFormat.HTML else text
