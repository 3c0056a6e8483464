"""The topic catalogue: every topic ragbus reads or writes, named `<domain>.<event>.v<major>`.

The flow can be read from this module alone; `ALL_TOPICS` is what the broker scripts create.
"""

QUESTION_ASKED = "rag.question-asked.v1"
QUESTION_SCREENED = "rag.question-screened.v1"
CONTEXT_RETRIEVED = "rag.context-retrieved.v1"
ANSWER_DRAFTED = "rag.answer-drafted.v1"
ANSWER_COMPLETED = "rag.answer-completed.v1"
DEFAULT_REPLIES = "rag.replies.v1"

DOCUMENT_SUBMITTED = "docs.document-submitted.v1"
DOCUMENT_INGESTED = "docs.document-ingested.v1"

ANSWER_SCORED = "eval.answer-scored.v1"

ALERT_RAISED = "ops.alert-raised.v1"
DEAD_LETTERED = "ops.dead-lettered.v1"

ALL_TOPICS: tuple[str, ...] = (
    QUESTION_ASKED,
    QUESTION_SCREENED,
    CONTEXT_RETRIEVED,
    ANSWER_DRAFTED,
    ANSWER_COMPLETED,
    DEFAULT_REPLIES,
    DOCUMENT_SUBMITTED,
    DOCUMENT_INGESTED,
    ANSWER_SCORED,
    ALERT_RAISED,
    DEAD_LETTERED,
)
