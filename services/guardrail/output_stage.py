"""Output stage: citations, contradictions in the context, groundedness, PII leakage and profanity of a draft.

Outcomes, in order: expired past the deadline; abstained when there is no draft or no valid citation;
abstained (`guardrail_error`) when a check could not run; blocked (`profanity`) for offensive language;
abstained (`low_grounding`) with the best citations when the cited passages do not support the answer;
otherwise ok. Conflicting sources and weakly supported sentences are warnings on the answer. Each check is a
child span of the stage's span (`services/guardrail/spans.py`).
"""

from libs.contracts.questions import AnswerCompleted, AnswerDrafted, AnswerStatus, CheckResult, Citation, RetrievedRef
from libs.guards import pii as pii_text
from libs.guards.contradiction import Contradiction
from libs.guards.grounding import claims_of
from libs.models.text import content_words
from services.guardrail import service
from services.guardrail.guards import Guards
from services.guardrail.settings import GuardrailSettings
from services.guardrail.spans import check_span, traced

LOW_CONFIDENCE_MESSAGE = ("I could not find a well-supported answer to this question in the documents available to you. "
                          "The closest passages are cited below.")
PROFANITY_MESSAGE = "The drafted answer was withheld because it contained offensive language."


def decide_output(draft: AnswerDrafted, guards: Guards, settings: GuardrailSettings) -> AnswerCompleted:
    if draft.state.expired():
        return finish(draft, [], AnswerStatus.EXPIRED, service.EXPIRED_MESSAGE, "deadline_passed")
    with check_span("citations_retrieved") as record:
        citations, citation_check = service.check_citations(draft)
        record(citation_check)
    contradictions, contradiction_check = find_contradictions(draft, guards)
    fields = {**draft_fields(draft), "warnings": [c.describe() for c in contradictions]}
    if not draft.answer.strip() or not citations:
        return finish(draft, [citation_check, contradiction_check], AnswerStatus.ABSTAINED, service.ABSTAIN_MESSAGE,
                      "no_supported_answer", citations=citations, **fields)
    grounding, weak_warnings = check_grounding(draft, citations, guards, settings)
    answer, pii_check = redact_leaked_pii(draft, guards)
    profanity = traced("answer_profanity", lambda: answer_profanity(answer, guards))
    checks = [citation_check, contradiction_check, grounding, pii_check, profanity]
    fields["warnings"] += weak_warnings
    return verdict(draft, checks, answer, citations, fields, settings)


def verdict(draft: AnswerDrafted, checks: list[CheckResult], answer: str, citations: list[Citation], fields: dict,
            settings: GuardrailSettings) -> AnswerCompleted:
    by_name = {check.check: check for check in checks}
    if any(map(service.is_error, checks)):
        return finish(draft, checks, AnswerStatus.ABSTAINED, service.ABSTAIN_MESSAGE, "guardrail_error", **fields)
    if not by_name["answer_profanity"].passed:
        return finish(draft, checks, AnswerStatus.BLOCKED, PROFANITY_MESSAGE, "profanity", **fields)
    if not by_name["grounding"].passed:
        best = best_citations(draft, citations, settings.abstain_max_citations)
        return finish(draft, checks, AnswerStatus.ABSTAINED, LOW_CONFIDENCE_MESSAGE, "low_grounding", citations=best, **fields)
    return finish(draft, checks, AnswerStatus.OK, answer, citations=citations, **fields)


def finish(draft: AnswerDrafted, checks: list[CheckResult], status: AnswerStatus, answer: str, reason: str = "",
           **fields) -> AnswerCompleted:
    state = draft.state.model_copy(update={"checks": [*draft.state.checks, *checks]})
    return service.final_answer(draft.request_id, draft.tenant, state, status, answer, reason, **fields)


def draft_fields(draft: AnswerDrafted) -> dict:
    return {
        "model": draft.model, "usage": draft.usage, "cost_usd": draft.cost_usd, "generation": draft.generation,
        "retrieved": [RetrievedRef(document_id=c.document_id, chunk_id=c.chunk_id, score=c.score) for c in draft.chunks],
        "context_text": "\n\n".join(c.text for c in draft.chunks),
    }


def find_contradictions(draft: AnswerDrafted, guards: Guards) -> tuple[list[Contradiction], CheckResult]:
    with check_span("contradiction") as record:
        found, check = _find_contradictions(draft, guards)
        return found, record(check)


def _find_contradictions(draft: AnswerDrafted, guards: Guards) -> tuple[list[Contradiction], CheckResult]:
    """Conflicts among the retrieved chunks whose subject the question or the answer is about."""
    try:
        found = guards.contradictions.find(list(draft.chunks))
    except Exception as error:
        return [], service.failed("contradiction", error)
    topic = content_words(f"{draft.state.question} {draft.answer}")
    relevant = [c for c in found if c.subject & topic]
    return relevant, CheckResult(check="contradiction", passed=not relevant, score=float(len(relevant)), threshold=0.0,
                                 detail=f"{len(found)} conflict(s) in the context, {len(relevant)} about this question")


def check_grounding(draft: AnswerDrafted, citations: list[Citation], guards: Guards,
                    settings: GuardrailSettings) -> tuple[CheckResult, list[str]]:
    with check_span("grounding") as record:
        check, warnings = _check_grounding(draft, citations, guards, settings)
        return record(check), warnings


def _check_grounding(draft: AnswerDrafted, citations: list[Citation], guards: Guards,
                     settings: GuardrailSettings) -> tuple[CheckResult, list[str]]:
    cited = {citation.chunk_id for citation in citations}
    evidence = [chunk.text for chunk in draft.chunks if chunk.chunk_id in cited]
    claims = claims_of(draft.answer)
    try:
        scores = guards.grounding.score(claims, evidence)
    except Exception as error:
        return service.failed("grounding", error), []
    check = grounding_result(scores, settings)
    weak = [score for score in scores if score < settings.grounding_sentence_threshold]
    warning = f"{len(weak)} of {len(scores)} answer sentence(s) are weakly supported by the cited passages."
    return check, [warning] if weak and check.passed else []


def grounding_result(scores: list[float], settings: GuardrailSettings) -> CheckResult:
    mean = sum(scores) / len(scores) if scores else 0.0
    return CheckResult(check="grounding", passed=mean >= settings.grounding_threshold, score=round(mean, 4),
                       threshold=settings.grounding_threshold, detail="sentence support: " + ", ".join(f"{s:.2f}" for s in scores))


def redact_leaked_pii(draft: AnswerDrafted, guards: Guards) -> tuple[str, CheckResult]:
    with check_span("answer_pii") as record:
        answer, check = _redact_leaked_pii(draft, guards)
        return answer, record(check)


def _redact_leaked_pii(draft: AnswerDrafted, guards: Guards) -> tuple[str, CheckResult]:
    """PII in the answer that is not in the retrieved documents (echoed or invented) is redacted."""
    try:
        spans = guards.pii.find(draft.answer)
    except Exception as error:  # fail closed: an unchecked answer is not delivered
        return draft.answer, service.failed("answer_pii", error)
    context = " ".join(chunk.text for chunk in draft.chunks)
    leaked = [span for span in spans if span.text_in(draft.answer) not in context]
    detail = f"redacted {pii_text.summary(leaked)} not found in the retrieved documents" if leaked else ""
    return pii_text.redact(draft.answer, leaked), CheckResult(
        check="answer_pii", passed=not leaked, score=float(len(leaked)), threshold=0.0, detail=detail)


def answer_profanity(answer: str, guards: Guards) -> CheckResult:
    found = guards.profanity.find(answer)
    return CheckResult(check="answer_profanity", passed=not found, score=float(len(found)), threshold=1.0,
                       detail=f"{len(found)} profane word(s)" if found else "")


def best_citations(draft: AnswerDrafted, citations: list[Citation], limit: int) -> list[Citation]:
    score = {chunk.chunk_id: chunk.score for chunk in draft.chunks}
    return sorted(citations, key=lambda c: -score.get(c.chunk_id, 0.0))[:limit]
