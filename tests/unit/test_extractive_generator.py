from libs.contracts.questions import RetrievedChunk
from libs.models.extractive import ExtractiveGenerator


def chunk(cid: str, text: str) -> RetrievedChunk:
    return RetrievedChunk(chunk_id=cid, document_id=cid.split("#")[0], source=f"{cid}.md", text=text, score=0.5)


def test_answers_with_the_matching_sentence_and_cites_its_chunk():
    chunks = [
        chunk("wheels#1", "The RW-200 weighs 0.95 kg. It is built in Munich."),
        chunk("travel#1", "Hotel stays are capped at 180 EUR per night. Trains are second class."),
    ]
    draft = ExtractiveGenerator().answer("What is the hotel cap per night?", chunks)
    assert "180 EUR" in draft.answer
    assert [c.chunk_id for c in draft.citations] == ["travel#1"]
    assert draft.citations[0].quote in chunks[1].text
    assert draft.answer.endswith("[1]")


def test_no_overlap_means_no_answer_rather_than_an_invented_one():
    chunks = [chunk("wheels#1", "The RW-200 weighs 0.95 kg.")]
    draft = ExtractiveGenerator().answer("Who founded the company?", chunks)
    assert draft.answer == ""
    assert draft.citations == []


def test_as_the_last_rung_it_answers_nothing_rather_than_failing_without_chunks():
    draft = ExtractiveGenerator().answer("What is the hotel cap per night?", [])
    assert (draft.answer, draft.citations, draft.cost_usd) == ("", [], 0.0)


def test_it_quotes_only_text_it_was_given_so_a_cut_chunk_cannot_leak_its_cut_part():
    full = chunk("travel#1", "Trains are second class. Hotel stays are capped at 180 EUR per night.")
    cut = full.model_copy(update={"text": "Trains are second class."})
    assert ExtractiveGenerator().answer("What is the hotel cap per night?", [cut]).answer == ""
    assert "180 EUR" in ExtractiveGenerator().answer("What is the hotel cap per night?", [full]).answer
