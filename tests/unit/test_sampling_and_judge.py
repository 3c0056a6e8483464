from libs.contracts.questions import AnswerCompleted, AnswerStatus, Citation
from libs.evaluation.judges import OfflineJudge
from libs.platform.sampling import is_sampled


def test_sampling_is_deterministic_and_close_to_the_rate():
    ids = [f"req-{n}" for n in range(4000)]
    first = [is_sampled(i, 0.25) for i in ids]
    assert first == [is_sampled(i, 0.25) for i in ids]
    assert 0.22 < sum(first) / len(ids) < 0.28
    assert not any(is_sampled(i, 0.0) for i in ids) and all(is_sampled(i, 1.0) for i in ids)


def answer(text: str, quote: str) -> AnswerCompleted:
    citation = Citation(document_id="d", chunk_id="d#1", source="d.md", quote=quote)
    return AnswerCompleted(request_id="r", tenant="acme", status=AnswerStatus.OK, question="q", answer=text, citations=[citation])


def test_faithfulness_counts_supported_sentences():
    judge = OfflineJudge()
    quote = "Hotel stays are capped at 180 EUR per night."
    assert judge.score_now(answer("Hotel stays are capped at 180 EUR per night. [1]", quote))[0].value == 1.0
    half = judge.score_now(answer("Hotel stays are capped at 180 EUR per night. Dogs may visit the office on Fridays.", quote))
    assert half[0].value == 0.5


def test_a_paraphrase_is_supported_and_a_changed_number_is_not():
    judge, quote = OfflineJudge(), "Hotel stays are capped at 180 EUR per night."
    assert judge.score_now(answer("Nightly hotel spending may not exceed 180 EUR.", quote))[0].value == 1.0
    assert judge.score_now(answer("Hotel stays are capped at 500 EUR per night.", quote))[0].value == 0.0


def test_an_answer_on_another_subject_is_less_relevant_than_one_that_addresses_the_question():
    judge, question = OfflineJudge(), "What is the hotel cap per night?"
    on_topic = judge.answer_relevance(question, "Hotel stays are capped at 180 EUR per night. [1]")
    off_topic = judge.answer_relevance(question, "Dogs may visit the office on Fridays.")
    assert on_topic > 0.6 > 0.2 > off_topic


def test_an_answer_without_citations_is_unmeasured_not_failed():
    score = OfflineJudge().score_now(AnswerCompleted(request_id="r", tenant="acme", status="ok", question="q", answer="x"))
    assert score[0].value is None
