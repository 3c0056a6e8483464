"""Text of a PDF (pypdf), one Markdown section per page, so chunks and citations carry their page."""

from pathlib import Path

from pypdf import PdfReader
from pypdf.errors import PyPdfError


class UnreadableDocument(ValueError):
    """A file that cannot become text: the reason says why, so the caller can fix or skip it."""


def pdf_to_markdown(path: Path) -> str:
    try:
        reader = PdfReader(path)
        if reader.is_encrypted:
            raise UnreadableDocument(f"{path}: the PDF is encrypted")
        pages = [(page.extract_text() or "").strip() for page in reader.pages]
        title = (reader.metadata.title if reader.metadata else None) or path.stem
    except (PyPdfError, OSError, ValueError, KeyError) as error:
        if isinstance(error, UnreadableDocument):
            raise
        raise UnreadableDocument(f"{path}: not a readable PDF ({type(error).__name__}: {error})") from error
    sections = [f"## Page {number}\n\n{text}" for number, text in enumerate(pages, start=1) if text]
    if not sections:
        raise UnreadableDocument(f"{path}: the PDF has no extractable text (a scan needs OCR first)")
    return "\n\n".join([f"# {title.strip()}", *sections])
