"""PII detection and redaction with the real Presidio analyzer and the bundled spaCy model."""

import pytest

from libs.guards.pii import DEFAULT_ENTITIES, PiiSpan, redact, summary, without_overlaps
from libs.guards.presidio import load_presidio

QUESTION = ("Hi, this is Jana Novak (jana.novak@example.com, mobile +49 151 2345 6789). My IBAN is "
            "DE89 3704 0044 0532 0130 00. What's the lead time for the ST-9 star tracker?")
RAW_VALUES = ("jana.novak@example.com", "+49 151 2345 6789", "DE89 3704 0044 0532 0130 00")


@pytest.fixture(scope="module")
def detector():
    return load_presidio(DEFAULT_ENTITIES, 0.35)


def test_email_phone_and_iban_are_found_with_their_types(detector):
    spans = detector.find(QUESTION)
    assert [(s.entity, s.text_in(QUESTION)) for s in spans] == [
        ("EMAIL_ADDRESS", RAW_VALUES[0]), ("PHONE_NUMBER", RAW_VALUES[1]), ("IBAN_CODE", RAW_VALUES[2])]


def test_redaction_replaces_each_value_with_a_typed_placeholder(detector):
    redacted = redact(QUESTION, detector.find(QUESTION))
    assert not any(value in redacted for value in RAW_VALUES)
    assert redacted == ("Hi, this is Jana Novak (<EMAIL>, mobile <PHONE>). My IBAN is <IBAN>. "
                        "What's the lead time for the ST-9 star tracker?")


def test_a_question_without_pii_is_left_alone(detector):
    question = "The ST-9 costs 42,000 EUR and ships in 16 weeks; is the 180 EUR hotel cap from 2025 still valid?"
    assert detector.find(question) == []


def test_names_are_not_redacted_by_default(detector):
    """PERSON is off by default: the small spaCy model also tags "Globex Freight" and "Toulouse" as people."""
    assert detector.find("What is the hotel cap for Globex Freight staff in Toulouse?") == []


def test_the_summary_names_types_never_values(detector):
    text = summary(detector.find(QUESTION))
    assert text == "EMAIL_ADDRESS×1, IBAN_CODE×1, PHONE_NUMBER×1"


def test_overlapping_spans_keep_the_more_confident_one():
    phone = PiiSpan("PHONE_NUMBER", 10, 27, 0.75)
    date = PiiSpan("DATE_TIME", 19, 27, 0.6)
    assert without_overlaps([date, phone]) == [phone]


def test_email_validation_never_reaches_for_the_network(detector):
    import tldextract.tldextract as module

    assert module.TLD_EXTRACTOR.suffix_list_urls == ()
    assert detector.find("write to p.smith@example.org")[0].entity == "EMAIL_ADDRESS"
