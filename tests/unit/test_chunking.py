from services.ingest.chunking import chunk_document, pack_paragraphs


def test_paragraphs_are_packed_up_to_the_size():
    text = "\n\n".join(f"Paragraph {n} " + "word " * 30 for n in range(6))
    pieces = pack_paragraphs(text, size=400, overlap=50)
    assert len(pieces) > 1
    assert all(len(p) <= 400 for p in pieces)
    assert "".join(pieces).replace("\n", "").count("Paragraph") == 6


def test_an_oversized_paragraph_is_cut_with_overlap():
    paragraph = "".join(chr(ord("a") + n % 26) for n in range(1000))
    pieces = pack_paragraphs(paragraph, size=300, overlap=60)
    assert all(len(p) <= 300 for p in pieces)
    assert pieces[0][-60:] == pieces[1][:60]
    assert pieces[-1].endswith(paragraph[-20:])


def test_chunk_ids_are_stable_and_tenant_specific():
    text = "# Title\n\nFirst paragraph.\n\nSecond paragraph."
    first = chunk_document("acme", "doc", "doc.md", text, 800, 100)
    again = chunk_document("acme", "doc", "doc.md", text, 800, 100)
    other = chunk_document("globex", "doc", "doc.md", text, 800, 100)
    assert [c.chunk_id for c in first] == [c.chunk_id for c in again]
    assert {c.chunk_id for c in first}.isdisjoint(c.chunk_id for c in other)
    assert all(c.chunk_id.startswith("doc#") for c in first)


def test_changed_text_gets_a_new_chunk_id():
    before = chunk_document("acme", "doc", "doc.md", "The cap is 180 EUR.", 800, 100)
    after = chunk_document("acme", "doc", "doc.md", "The cap is 220 EUR.", 800, 100)
    assert before[0].chunk_id != after[0].chunk_id
