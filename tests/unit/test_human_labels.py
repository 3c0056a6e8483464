"""Label files: parsing with line numbers, and judge–human agreement against hand-computed numbers."""

import json

import pytest

from libs.contracts.questions import AnswerCompleted, AnswerStatus, Citation
from libs.evaluation.human_labels import (
    LabelFileError, LabelledScore, agreement, cohens_kappa, export_record, faithfulness_pairs, parse_labels,
)


def line(**fields) -> str:
    base = {"request_id": "r1", "question": "q", "label_faithful": True, "label_correct": False, "annotator": "ana"}
    return json.dumps({**base, **fields})


def test_export_record_has_blank_labels_and_the_cited_quotes():
    citation = Citation(document_id="travel", chunk_id="travel#1", source="travel.md", quote="Cap is 180 EUR.")
    answer = AnswerCompleted(request_id="r1", tenant="acme", status=AnswerStatus.OK, question="Cap?",
                             answer="Cap is 180 EUR. [1]", citations=[citation], context_text="[1] Cap is 180 EUR.")
    record = export_record(answer)
    assert record["citations"] == [{"document_id": "travel", "source": "travel.md", "quote": "Cap is 180 EUR."}]
    labels = (record["label_faithful"], record["label_correct"], record["annotator"], record["notes"])
    assert labels == (None, None, "", "")
    assert record["context_text"] == "[1] Cap is 180 EUR."


def test_an_exported_line_round_trips_once_labelled():
    answer = AnswerCompleted(request_id="r9", tenant="acme", status=AnswerStatus.OK, question="q", answer="a")
    record = {**export_record(answer), "label_faithful": False, "label_correct": True, "annotator": "bo", "notes": "n"}
    [label] = parse_labels([json.dumps(record)]).values()
    assert (label.request_id, label.annotator, label.label_faithful, label.label_correct, label.notes) == (
        "r9", "bo", False, True, "n")


def test_labels_keep_their_line_numbers_and_blank_or_unlabelled_lines_are_skipped():
    unlabelled = line(request_id="r2", label_faithful=None, label_correct=None, annotator="")
    labels = parse_labels(["", line(), "   ", unlabelled, line(request_id="r5")])
    assert {n: label.request_id for n, label in labels.items()} == {2: "r1", 5: "r5"}


@pytest.mark.parametrize(
    ("bad", "expected"),
    [
        ("{not json", "line 2: not valid JSON"),
        ("[1, 2]", "line 2: expected a JSON object"),
        (line(request_id="r2", label_faithful="yes"), "line 2: label_faithful: must be true or false"),
        (line(request_id="r2", label_correct=None), "line 2: label_correct: must be true or false"),
        (line(request_id="r2", annotator=""), "line 2: annotator:"),
        (line(request_id=""), "line 2: request_id:"),
        (line(), "line 2: same request_id and annotator as line 1"),
    ],
)
def test_a_malformed_line_is_rejected_naming_its_number(bad, expected):
    with pytest.raises(LabelFileError) as error:
        parse_labels([line(), bad, line(request_id="r3")])
    assert len(error.value.problems) == 1
    assert error.value.problems[0].startswith(expected)


def test_every_malformed_line_is_reported():
    with pytest.raises(LabelFileError) as error:
        parse_labels(["{", line(), "[]", line(label_correct=1)])
    assert [problem.split(":")[0] for problem in error.value.problems] == ["line 1", "line 3", "line 4"]


def test_same_request_by_two_annotators_is_two_labels():
    assert len(parse_labels([line(annotator="ana"), line(annotator="bo")])) == 2


def pairs(both_yes: int, judge_only: int, human_only: int, both_no: int) -> list[tuple[bool, bool]]:
    """(judge, human) pairs from the four cells of the 2×2 table."""
    return ([(True, True)] * both_yes + [(True, False)] * judge_only
            + [(False, True)] * human_only + [(False, False)] * both_no)


def test_kappa_matches_the_hand_computed_example():
    # p_o = 35/50 = 0.7; judge yes 25/50, human yes 30/50: p_e = 0.5·0.6 + 0.5·0.4 = 0.5; κ = 0.2/0.5 = 0.4
    result = agreement(pairs(20, 5, 10, 15))
    assert result.n == 50
    assert result.percent == pytest.approx(70.0)
    assert result.kappa == pytest.approx(0.4)


def test_kappa_of_a_skewed_table():
    # p_o = 0.9; judge yes 0.9, human yes 0.9: p_e = 0.81 + 0.01 = 0.82; κ = 0.08/0.18 = 4/9
    assert cohens_kappa(pairs(85, 5, 5, 5)) == pytest.approx(4 / 9)


def test_kappa_is_one_for_perfect_agreement_and_negative_for_systematic_disagreement():
    assert cohens_kappa(pairs(3, 0, 0, 2)) == pytest.approx(1.0)
    assert cohens_kappa(pairs(0, 2, 2, 0)) == pytest.approx(-1.0)


def test_kappa_is_undefined_when_both_give_one_class_only():
    assert cohens_kappa(pairs(4, 0, 0, 0)) is None
    assert agreement(pairs(4, 0, 0, 0)).percent == 100.0
    assert agreement([]) == agreement([]) and agreement([]).n == 0


def test_judge_faithful_from_half_up_and_unmeasured_left_out():
    labelled = [LabelledScore(True, 0.5), LabelledScore(True, 0.49),
                LabelledScore(False, None), LabelledScore(False, 0.0)]
    assert faithfulness_pairs(labelled) == [(True, True), (False, True), (False, False)]
