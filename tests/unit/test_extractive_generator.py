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
