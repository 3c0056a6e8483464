"""Groundedness of answer sentences with the real MiniLM embedder."""

from pathlib import Path

import pytest

from libs.guards.grounding import EmbeddingLexicalScorer, claims_of
from libs.models.embedder import MiniLmEmbedder

POLICY = Path("data/corpus/acme/travel-policy-2025.md").read_text(encoding="utf-8")


class CountingEmbedder:
    """The real embedder, counting the texts it is asked to embed."""

    def __init__(self, embedder: MiniLmEmbedder) -> None:
        self.embedder, self.texts = embedder, 0

    def embed(self, texts):
        self.texts += len(texts)
        return self.embedder.embed(texts)


@pytest.fixture(scope="module")
def embedder():
    return CountingEmbedder(MiniLmEmbedder())


@pytest.fixture(scope="module")
def scorer(embedder):
    return EmbeddingLexicalScorer(embedder)


def test_a_sentence_copied_from_the_context_is_fully_supported(scorer):
    copied = "The hotel nightly cap is 180 EUR per night, including taxes and breakfast, in all locations."
    assert scorer.score([copied], [POLICY]) == [1.0]


def test_an_unsupported_sentence_scores_low(scorer):
    [score] = scorer.score(["Employees may bring their dogs to the Munich office on Fridays."], [POLICY])
    assert score < 0.35


def test_a_paraphrase_scores_between(scorer):
    [score] = scorer.score(["Hotels are capped at 180 euros a night, taxes and breakfast included."], [POLICY])
    assert 0.5 < score < 0.95


def test_a_number_the_context_does_not_contain_sinks_an_otherwise_close_sentence(scorer):
    assert scorer.score(["The hotel nightly cap is 500 EUR per night."], [POLICY]) == [0.0]


def test_without_evidence_nothing_is_supported(scorer):
    assert scorer.score(["The cap is 180 EUR."], []) == [0.0]


def test_claims_are_the_answer_sentences_without_citation_marks():
    answer = "The cap is 180 EUR per night. [1] Claims are due within 30 days. [1, 2]"
    assert claims_of(answer) == ["The cap is 180 EUR per night.", "Claims are due within 30 days."]


def test_a_citation_mark_ends_a_claim_so_a_copied_heading_stays_a_copy(scorer, embedder):
    datasheet = "# RW-200 Reaction Wheel Datasheet\n\nThe RW-200 is a compact reaction wheel for small satellites."
    answer = "RW-200 Reaction Wheel Datasheet [1] The RW-200 is a compact reaction wheel for small satellites. [1]"
    before = embedder.texts
    assert scorer.score(claims_of(answer), [datasheet]) == [1.0, 1.0]
    assert embedder.texts == before


def test_copied_sentences_skip_the_embedder_and_others_use_it(scorer, embedder):
    before = embedder.texts
    scorer.score(["Expense claims must be submitted in the Expensa tool within 30 days of returning from the trip."], [POLICY])
    assert embedder.texts == before
    scorer.score(["Claims go into Expensa at most 30 days after the trip."], [POLICY])
    assert embedder.texts > before
