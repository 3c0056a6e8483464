"""Conflicting amounts between documents, on the real sample corpus."""

from dataclasses import dataclass
from pathlib import Path

from libs.guards.contradiction import AmountContradictionDetector

CORPUS = Path("data/corpus")


@dataclass(frozen=True)
class Passage:
    document_id: str
    text: str


def document(tenant: str, name: str) -> Passage:
    return Passage(name, (CORPUS / tenant / f"{name}.md").read_text(encoding="utf-8"))


def test_the_2025_policy_and_the_2026_memo_disagree_on_the_hotel_cap():
    found = AmountContradictionDetector().find([document("acme", "travel-policy-2025"), document("acme", "travel-policy-memo-2026")])
    assert len(found) == 1
    [conflict] = found
    assert {conflict.first.values, conflict.second.values} == {frozenset({180.0}), frozenset({220.0})}
    assert {"hotel", "cap"} <= conflict.subject
    description = conflict.describe()
    assert "travel-policy-2025" in description and "travel-policy-memo-2026" in description
    assert "180 EUR" in description and "220 EUR" in description


def test_documents_that_agree_are_not_a_conflict():
    a = Passage("policy", "The hotel nightly cap is 180 EUR per night, including breakfast.")
    b = Passage("faq", "Remember: the hotel nightly cap is 180 EUR per night.")
    assert AmountContradictionDetector().find([a, b]) == []


def test_the_same_sentence_about_different_products_is_not_a_conflict():
    a = Passage("rw-200", "The standard lead time for the RW-200 is 10 weeks from purchase order.")
    b = Passage("st-9", "The standard lead time for the ST-9 is 16 weeks from purchase order.")
    assert AmountContradictionDetector().find([a, b]) == []


def test_one_document_is_not_compared_with_itself():
    text = "The daily meal allowance is 55 EUR. For international travel the daily meal allowance is 70 EUR."
    assert AmountContradictionDetector().find([Passage("policy", text)]) == []


def test_the_whole_sample_corpus_holds_exactly_the_one_planted_conflict():
    for tenant, expected in (("acme", 1), ("globex", 0)):
        passages = [Passage(f.stem, f.read_text(encoding="utf-8")) for f in sorted((CORPUS / tenant).glob("*.md"))]
        assert len(AmountContradictionDetector().find(passages)) == expected, tenant
