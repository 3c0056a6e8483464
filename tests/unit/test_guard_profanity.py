"""The word-list profanity check: whole words with inflections, no substring false alarms."""

import pytest

from libs.guards.profanity import WordListProfanity


def test_profanity_is_found_with_inflections_and_any_case():
    assert WordListProfanity().find("This SHIT policy, fucking hell, piss off") == ["shit", "fucking", "piss off"]


@pytest.mark.parametrize("clean", ["Scunthorpe office hours", "Please assess the class of the hazard", "Dickens wrote it", ""])
def test_words_containing_profanity_are_not_profanity(clean):
    assert WordListProfanity().find(clean) == []
