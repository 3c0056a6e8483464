"""Reads documents from disk for ingestion: a file, or every text, Markdown, HTML or PDF file under a folder.

PDFs become Markdown here (one section per page): the ingest contract carries text, and a PDF parser in
the client keeps binary payloads off the broker.
"""

from collections.abc import Iterator
from pathlib import Path

from libs.contracts.documents import SubmitDocument
from libs.contracts.envelope import new_id
from libs.retrieval.pdf_text import UnreadableDocument, pdf_to_markdown

TEXT_SUFFIXES = {".md", ".markdown", ".txt", ".rst", ".html", ".htm"}
DOCUMENT_SUFFIXES = TEXT_SUFFIXES | {".pdf"}


def document_files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise FileNotFoundError(f"no such file or folder: {path}")
    return sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in DOCUMENT_SUFFIXES)


def document_id_for(file: Path, root: Path) -> str:
    relative = file.relative_to(root) if root.is_dir() else Path(file.name)
    return relative.with_suffix("").as_posix()


def document_text(file: Path) -> str:
    if file.suffix.lower() == ".pdf":
        return pdf_to_markdown(file)
    try:
        return file.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise UnreadableDocument(f"{file}: not UTF-8 text ({error.reason} at byte {error.start})") from error


def read_document(file: Path, root: Path, tenant: str) -> SubmitDocument:
    return SubmitDocument(request_id=new_id(), tenant=tenant, document_id=document_id_for(file, root),
                          source=str(file), text=document_text(file))


def read_documents(path: Path, tenant: str) -> Iterator[SubmitDocument]:
    """Every document under `path`; UnreadableDocument for the first file that cannot be read."""
    for file in document_files(path):
        yield read_document(file, path, tenant)


def read_readable(path: Path, tenant: str) -> tuple[list[SubmitDocument], list[str]]:
    """(documents, reasons): files that cannot be read are reported, not fatal to the others."""
    documents, unreadable = [], []
    for file in document_files(path):
        try:
            documents.append(read_document(file, path, tenant))
        except UnreadableDocument as error:
            unreadable.append(str(error))
    return documents, unreadable


def read_corpus(corpus: Path) -> list[SubmitDocument]:
    """Every document of a corpus laid out as one folder per tenant (`<corpus>/<tenant>/...`)."""
    return [doc for tenant_dir in sorted(p for p in corpus.iterdir() if p.is_dir())
            for doc in read_documents(tenant_dir, tenant_dir.name)]
