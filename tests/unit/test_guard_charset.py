"""Charset sanity: what is refused in a question, what is stored instead, what scanners read."""

import pytest

from libs.guards.charset import check_charset, keyword_form, normal_form, sanitise


@pytest.mark.parametrize("text, kind", [
    ("What is\x00 the cap?", "control"),
    ("cap\x1b[31m?", "control"),
    ("price \u202e803 EUR", "bidi_control"),
    ("broken \ufffd text", "replacement_character"),
    ("lone \ud800 surrogate", "surrogate"),
    ("non\ufffecharacter", "noncharacter"),
])
def test_characters_with_no_place_in_a_question_are_reported(text, kind):
    report = check_charset(text)
    assert not report.clean and report.kinds == (kind,)


def test_tabs_newlines_accents_and_emoji_are_fine():
    assert check_charset("Line one\n\tLine two\r\nÜber café — 180 € 👍").clean


def test_sanitised_text_can_be_stored_as_utf8_without_nul():
    stored = sanitise("a\x00b\ud800c")
    assert stored == "a\ufffdb\ufffdc"
    stored.encode("utf-8")  # a lone surrogate would raise here


def test_scanners_read_text_without_invisible_characters_and_look_alikes():
    assert normal_form("ig\u200bnore ＡＬＬ") == "ignore ALL"
    assert keyword_form("Іgnоrе") == "ignore"  # Cyrillic І, о, е
