"""Reads the Cranfield 1400 collection (documents, queries, graded judgements) for the retrieval benchmark.

Judgements number the queries 1..225 in file order (the `.I` ids of cran.qry are not 1..225).
Codes 1 (complete answer) .. 4 (minimal interest) become gains 5 - code; code -1 (not relevant) is dropped.
"""

import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

FIELD = re.compile(r"^\.([A-Z])(?: (\S+))?\s*$", re.MULTILINE)


@dataclass(frozen=True)
class CranfieldDocument:
    doc_id: str
    title: str
    text: str

    def as_markdown(self) -> str:
        return f"# {self.title}\n\n{self.text}" if self.title else self.text


def records(raw: str) -> list[dict[str, str]]:
    """`.I <id>` records with their fields (`.T`, `.A`, `.B`, `.W`), text whitespace-normalised."""
    found: list[dict[str, str]] = []
    marks = list(FIELD.finditer(raw))
    for mark, following in zip(marks, [*marks[1:], None]):
        body = raw[mark.end() : following.start() if following else len(raw)]
        if mark[1] == "I":
            found.append({"I": mark[2]})
        elif found:
            found[-1][mark[1]] = " ".join(body.split())
    return found


def load_documents(folder: Path) -> list[CranfieldDocument]:
    raw = (folder / "cran.all.1400").read_text(encoding="utf-8", errors="replace")
    return [CranfieldDocument(r["I"], r.get("T", ""), r.get("W", "")) for r in records(raw)]


def load_queries(folder: Path) -> dict[str, str]:
    """Query text by judgement number ("1".."225", file order)."""
    raw = (folder / "cran.qry").read_text(encoding="utf-8", errors="replace")
    return {str(number): r.get("W", "") for number, r in enumerate(records(raw), start=1)}


def load_gains(folder: Path) -> dict[str, dict[str, float]]:
    """Graded gains by query number, then document id; non-relevant (-1) judgements are left out."""
    gains: dict[str, dict[str, float]] = defaultdict(dict)
    for line in (folder / "cranqrel").read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) >= 3 and int(parts[2]) > 0:
            gains[parts[0]][parts[1]] = float(5 - int(parts[2]))
    return dict(gains)
