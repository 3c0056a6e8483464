"""Documents read from disk for `ragbus ingest`: PDFs become one section per page, unreadable files are reported."""

from libs.client.documents import read_readable
from libs.retrieval.chunking import ChunkingConfig, SourceDocument, chunk_document
from libs.retrieval.tokens import MiniLmTokenCounter
from libs.testing.pdf import text_pdf


def test_a_pdf_becomes_one_section_per_page_under_its_title(tmp_path):
    pages = [["The RW-200 reaction wheel weighs 0.95 kg."], ["Store the wheel at 20 degrees.", "Never drop it."]]
    (tmp_path / "rw-200.pdf").write_bytes(text_pdf(pages, title="RW-200 Manual"))
    (documents, unreadable) = read_readable(tmp_path, "acme")
    assert unreadable == []
    [doc] = documents
    assert (doc.document_id, doc.tenant) == ("rw-200", "acme")
    assert doc.text.startswith("# RW-200 Manual\n\n## Page 1\n\nThe RW-200 reaction wheel weighs 0.95 kg.")
    chunks = chunk_document(SourceDocument("acme", doc.document_id, doc.source, doc.text), MiniLmTokenCounter(),
                            ChunkingConfig())
    storage = next(chunk for chunk in chunks if "20 degrees" in chunk.text)
    assert storage.heading_path == "RW-200 Manual > Page 2"


def test_unreadable_files_are_reported_and_the_others_still_read(tmp_path):
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4 this is not really a pdf")
    (tmp_path / "scan.pdf").write_bytes(text_pdf([[]], title="Scanned"))
    (tmp_path / "latin1.md").write_bytes("Caf\xe9 prices".encode("latin-1"))
    (tmp_path / "policy.html").write_text("<h1>Policy</h1><p>Hotels are capped.</p>", encoding="utf-8")
    documents, unreadable = read_readable(tmp_path, "acme")
    assert [doc.document_id for doc in documents] == ["policy"]
    reasons = "\n".join(unreadable)
    assert len(unreadable) == 3
    assert "broken.pdf: not a readable PDF" in reasons
    assert "scan.pdf: the PDF has no extractable text" in reasons
    assert "latin1.md: not UTF-8 text" in reasons
