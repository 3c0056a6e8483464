"""Reads documents from disk for ingestion: a file, or every text/Markdown file under a folder."""

from collections.abc import Iterator
from pathlib import Path

from libs.contracts.documents import SubmitDocument
from libs.contracts.envelope import new_id

TEXT_SUFFIXES = {".md", ".markdown", ".txt", ".rst"}


def document_files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise FileNotFoundError(f"no such file or folder: {path}")
    return sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in TEXT_SUFFIXES)


def document_id_for(file: Path, root: Path) -> str:
    relative = file.relative_to(root) if root.is_dir() else Path(file.name)
    return relative.with_suffix("").as_posix()


def read_documents(path: Path, tenant: str) -> Iterator[SubmitDocument]:
    for file in document_files(path):
        yield SubmitDocument(
            request_id=new_id(),
            tenant=tenant,
            document_id=document_id_for(file, path),
            source=str(file),
            text=file.read_text(encoding="utf-8"),
        )


def read_corpus(corpus: Path) -> list[SubmitDocument]:
    """Every document of a corpus laid out as one folder per tenant (`<corpus>/<tenant>/...`)."""
    return [doc for tenant_dir in sorted(p for p in corpus.iterdir() if p.is_dir())
            for doc in read_documents(tenant_dir, tenant_dir.name)]
