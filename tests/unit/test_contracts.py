import pytest
from pydantic import SecretStr, ValidationError

from libs.contracts.documents import SubmitDocument
from libs.contracts.envelope import SCHEMA_VERSION
from libs.contracts.questions import AskQuestion
from libs.contracts.topics import ALL_TOPICS
from libs.platform.settings import KafkaSettings

VALID = {"request_id": "r1", "tenant": "acme", "question": "q?", "deadline": "2030-01-01T00:00:00Z"}


def test_topics_follow_the_naming_rule():
    for topic in ALL_TOPICS:
        domain, event, version = topic.split(".")
        assert domain in {"rag", "docs", "eval", "ops"} and event and version == "v1"
    assert len(set(ALL_TOPICS)) == len(ALL_TOPICS)


def test_a_valid_question_round_trips():
    ask = AskQuestion.model_validate(VALID)
    assert AskQuestion.model_validate_json(ask.model_dump_json()) == ask
    assert ask.schema_version == SCHEMA_VERSION


@pytest.mark.parametrize(
    "change",
    [{"tenant": "Acme Corp"}, {"question": ""}, {"schema_version": SCHEMA_VERSION + 1}, {"reply_to": "bad topic"}],
)
def test_invalid_questions_are_rejected(change):
    with pytest.raises(ValidationError):
        AskQuestion.model_validate({**VALID, **change})


def test_secrets_do_not_show_in_settings_output():
    settings = KafkaSettings(sasl_password=SecretStr("hunter2-secret"))
    assert "hunter2-secret" not in repr(settings)
    assert "hunter2-secret" not in settings.model_dump_json()


def test_a_document_submission_has_text_or_is_a_deletion():
    base = {"request_id": "r1", "tenant": "acme", "document_id": "travel", "source": "travel.md"}
    assert SubmitDocument.model_validate({**base, "text": "Hotels are capped."}).delete is False
    assert SubmitDocument.model_validate({**base, "delete": True}).text == ""
    with pytest.raises(ValidationError, match="send delete=true"):
        SubmitDocument.model_validate({**base, "text": ""})
    with pytest.raises(ValidationError, match="carries no text"):
        SubmitDocument.model_validate({**base, "text": "x", "delete": True})
