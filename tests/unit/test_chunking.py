"""Structure-aware, token-measured chunking: headings kept as context, sizes, overlap, stable ids, HTML."""

import pytest

from libs.retrieval.chunking import ChunkingConfig, SourceDocument, chunk_document
from libs.retrieval.formats import DocumentFormat, detect_format
from libs.retrieval.html_text import html_to_markdown
from libs.retrieval.tokens import MiniLmTokenCounter
from services.ingest.settings import IngestSettings

COUNTER = MiniLmTokenCounter()
SENTENCES = [f"Sentence {n} explains how the wheel number {n} is balanced before delivery." for n in range(40)]
GUIDE = (
    "# Wheel Guide\n\nIntro paragraph about wheels.\n\n"
    "## Balancing\n\n" + " ".join(SENTENCES[:20]) + "\n\n"
    "## Storage\n\nWheels are stored at 20 degrees.\n\n### Long term\n\nAfter a year, wheels are spun up once."
)


def chunks_of(text: str, source: str = "guide.md", tokens: int = 120, overlap: int = 30, tenant: str = "acme",
              merge_sections: bool = False):
    config = ChunkingConfig(tokens, overlap, merge_sections)
    return chunk_document(SourceDocument(tenant, "guide", source, text), COUNTER, config)


def test_every_chunk_starts_with_its_heading_path():
    chunks = chunks_of(GUIDE)
    balancing = [c for c in chunks if "is balanced" in c.text]
    assert len(balancing) >= 2, "the Balancing section must be cut for this test to mean anything"
    assert all(c.heading_path == "Wheel Guide > Balancing" for c in balancing[1:])
    assert all(c.text.startswith("Wheel Guide > Balancing\n\n") for c in balancing[1:])
    long_term = next(c for c in chunks if "spun up once" in c.text)
    assert "Long term" in long_term.text


def test_a_section_starting_a_chunk_names_its_full_path():
    chunks = chunks_of(GUIDE, tokens=60, overlap=10)
    storage = next(c for c in chunks if "stored at 20 degrees" in c.text)
    assert storage.heading_path == "Wheel Guide > Storage"
    assert not storage.text.replace(storage.heading_path, "", 1).lstrip().startswith("## Storage")


@pytest.mark.parametrize("tokens", [40, 80, 200, 254])
def test_no_chunk_exceeds_the_token_budget(tokens):
    run_on = " ".join(f"word{n}" for n in range(700))  # one "sentence" far over any budget
    for chunk in chunks_of(GUIDE + "\n\n## Dump\n\n" + run_on, tokens=tokens, overlap=tokens // 4):
        assert COUNTER.count(chunk.text) <= tokens, chunk.text[:80]


def test_nothing_is_lost_between_chunks():
    joined = " ".join(c.text for c in chunks_of(GUIDE, tokens=60, overlap=10))
    for sentence in SENTENCES[:20]:
        assert sentence in joined


def test_a_chunk_cut_inside_a_section_repeats_the_last_sentences_of_the_previous_one():
    chunks = [c for c in chunks_of(GUIDE, tokens=120, overlap=30) if "is balanced" in c.text]
    for before, after in zip(chunks, chunks[1:]):
        body = after.text.split("\n\n", 1)[1]
        repeated = [s for s in SENTENCES[:20] if s in before.text and s in body]
        assert repeated, "no overlap between consecutive chunks of one section"
        assert COUNTER.count(" ".join(repeated)) <= 30


def test_without_overlap_no_sentence_is_repeated():
    chunks = [c for c in chunks_of(GUIDE, tokens=120, overlap=0) if "is balanced" in c.text]
    assert all(sum(s in c.text for c in chunks) == 1 for s in SENTENCES[:20])


def test_a_new_section_does_not_repeat_the_previous_section():
    chunks = chunks_of(GUIDE, tokens=60, overlap=20)
    storage = next(c for c in chunks if c.heading_path == "Wheel Guide > Storage")
    assert "is balanced" not in storage.text


def test_chunk_ids_are_stable_and_tenant_specific():
    first, again, other = chunks_of(GUIDE), chunks_of(GUIDE), chunks_of(GUIDE, tenant="globex")
    assert [c.chunk_id for c in first] == [c.chunk_id for c in again]
    assert {c.chunk_id for c in first}.isdisjoint(c.chunk_id for c in other)
    assert all(c.chunk_id.startswith("guide#") for c in first)
    assert [c.position for c in first] == list(range(len(first)))


def test_editing_one_section_keeps_the_ids_of_the_others():
    before = chunks_of(GUIDE, tokens=60, overlap=10)
    after = chunks_of(GUIDE.replace("stored at 20 degrees", "stored at 18 degrees"), tokens=60, overlap=10)
    changed = {c.chunk_id for c in after} - {c.chunk_id for c in before}
    assert len(changed) == 1
    assert next(c for c in after if c.chunk_id in changed).heading_path == "Wheel Guide > Storage"


def test_hash_lines_in_a_code_fence_are_not_headings():
    text = "# Setup\n\n```\n# install\npip install x\n```\n\nDone."
    chunks = chunks_of(text)
    assert [c.heading_path for c in chunks] == ["Setup"]
    assert "# install\npip install x" in chunks[0].text


def test_plain_text_has_no_headings():
    chunks = chunks_of("# not a heading in a .txt file\n\nBody.", source="notes.txt")
    assert chunks[0].heading_path == ""
    assert chunks[0].text.startswith("# not a heading")


def test_a_document_without_content_has_no_chunks():
    assert chunks_of("  \n\n \t") == []
    assert chunks_of("<html><script>var a = 1;</script></html>", source="empty.html") == []


HTML = """<!DOCTYPE html><html><head><title>Ignored &amp; unused</title><style>p { color: red }</style></head>
<body><nav>Home | About</nav><h1>Parts &amp; Bins</h1><p>Intro <b>text</b>
spread over lines.</p><h2>Bin 14</h2><ul><li>XK-4471-B</li><li>XK-4471-C</li></ul>
<script>document.write("<p>injected</p>")</script><table><tr><td>qty</td><td>30</td></tr></table></body></html>"""


def test_html_becomes_headed_text():
    markdown = html_to_markdown(HTML)
    assert markdown.splitlines()[0] == "# Parts & Bins"
    assert "## Bin 14" in markdown
    assert "Intro text spread over lines." in markdown
    assert "- XK-4471-B" in markdown and "qty | 30" in markdown
    for dropped in ("color: red", "injected", "Home | About", "Ignored"):
        assert dropped not in markdown


def test_html_title_is_the_top_heading_when_there_is_no_h1():
    assert html_to_markdown("<title>Stock</title><p>Body</p>").splitlines()[0] == "# Stock"


def test_html_chunks_carry_the_html_headings():
    merged = chunks_of(HTML, source="https://intranet.example/parts.html", merge_sections=True)
    assert [c.heading_path for c in merged] == ["Parts & Bins"]
    assert "\n\n## Bin 14\n\n- XK-4471-B" in merged[0].text
    split = chunks_of(HTML, source="https://intranet.example/parts.html")
    assert [c.heading_path for c in split] == ["Parts & Bins", "Parts & Bins > Bin 14"]
    assert split[1].text.startswith("Parts & Bins > Bin 14\n\n- XK-4471-B")
    assert "<" not in "".join(c.text for c in merged + split)


@pytest.mark.parametrize(
    ("source", "text", "expected"),
    [
        ("a/guide.md", "# Title", DocumentFormat.MARKDOWN),
        ("page.HTM", "plain words", DocumentFormat.HTML),
        ("https://x.example/doc?id=1", "<!doctype html><p>x</p>", DocumentFormat.HTML),
        ("notes.txt", "# hash", DocumentFormat.TEXT),
        ("upload", "no suffix", DocumentFormat.MARKDOWN),
    ],
)
def test_the_format_comes_from_the_source_suffix_or_the_doctype(source, text, expected):
    assert detect_format(source, text) is expected


def test_overlap_above_half_a_chunk_is_refused():
    with pytest.raises(ValueError):
        IngestSettings(chunk_tokens=100, chunk_overlap_tokens=60)
    assert IngestSettings(chunk_tokens=100, chunk_overlap_tokens=50).chunking() == ChunkingConfig(100, 50)
