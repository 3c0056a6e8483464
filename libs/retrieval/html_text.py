"""HTML to Markdown-shaped text with the standard library's parser (no HTML parser package is installed).

Headings become `#` lines and block elements become paragraphs, so HTML goes through the same
structure-aware chunking as Markdown. Scripts, styles and other non-content elements are dropped.
"""

import re
from html.parser import HTMLParser

HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
BLOCKS = {"p", "div", "section", "article", "main", "header", "footer", "aside", "blockquote", "ul", "ol", "li",
          "table", "tr", "pre", "br", "hr", "dl", "dt", "dd", "figure", "figcaption", "form", "body"}
SKIPPED = {"script", "style", "noscript", "template", "head", "nav", "svg", "iframe", "object", "button", "select"}
SPACES = re.compile(r"[ \t\r\f\v]+")


class _MarkdownWriter(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self.title = ""
        self._current: list[str] = []
        self._skipping = 0
        self._in_title = False
        self._heading_level = 0
        self.saw_h1 = False

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in SKIPPED:
            self._skipping += 1
        elif tag == "title":
            self._in_title = True
        elif tag in HEADINGS or tag in BLOCKS:
            self._start_block(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIPPED:
            self._skipping = max(self._skipping - 1, 0)
        elif tag == "title":
            self._in_title = False
        elif tag in HEADINGS or tag in BLOCKS:
            self.flush()
        elif tag in {"td", "th"}:
            self._current.append(" | ")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        elif not self._skipping:
            self._current.append(data)

    def _start_block(self, tag: str) -> None:
        self.flush()
        self._heading_level = HEADINGS.get(tag, 0)
        self.saw_h1 = self.saw_h1 or tag == "h1"
        if tag == "li":
            self._current.append("- ")

    def flush(self) -> None:
        text = SPACES.sub(" ", "".join(self._current).replace("\n", " ")).strip(" |")
        if text and text != "-":
            self.blocks.append(f"{'#' * self._heading_level} {text}" if self._heading_level else text)
        self._current = []
        self._heading_level = 0


def html_to_markdown(html: str) -> str:
    writer = _MarkdownWriter()
    writer.feed(html)
    writer.close()
    writer.flush()
    title = SPACES.sub(" ", writer.title).strip()
    blocks = writer.blocks if writer.saw_h1 or not title else [f"# {title}", *writer.blocks]
    return "\n\n".join(blocks)
