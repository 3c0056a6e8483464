"""Input stage: size, charset, prompt injection and PII, before anything is retrieved or generated.

Every check runs (except after an oversized question, which is not scanned at all) and is recorded; the
question is blocked for the first failing check in BLOCKING order. A scanner that raises fails closed:
its check fails and the question is blocked as `guardrail_error`, because an unscanned question may carry
PII into logs and the model. Each check is a child span of the stage's span (`services/guardrail/spans.py`).
"""

from dataclasses import dataclass

from libs.contracts.questions import CheckResult
from libs.guards import pii as pii_text
from libs.guards.charset import check_charset, sanitise
from services.guardrail import service
from services.guardrail.spans import check_span, traced
from services.guardrail.guards import Guards
from services.guardrail.settings import GuardrailSettings, PiiAction

BLOCKING = {"question_length": "question_length_exceeded", "charset": "invalid_charset",
            "prompt_injection_classifier": "prompt_injection", "prompt_injection_rules": "prompt_injection",
            "prompt_injection_semantic": "prompt_injection", "pii": "pii_blocked"}
OVERSIZED = "[question not stored: {chars} characters, over the {limit} limit]"
UNSCANNED = "[question not stored: the PII scan failed]"


@dataclass(frozen=True)
class Screening:
    checks: list[CheckResult]
    question: str  # what flows on to retrieval and the model
    stored_question: str  # what may be written to the requests table and logs: never raw PII
    blocked_reason: str = ""


def screen_question(question: str, tenant: str, guards: Guards, settings: GuardrailSettings) -> Screening:
    length = traced("question_length", lambda: length_check(question, settings.max_question_chars))
    if not length.passed:
        placeholder = OVERSIZED.format(chars=len(question), limit=settings.max_question_chars)
        return Screening([length], placeholder, placeholder, BLOCKING["question_length"])
    text = sanitise(question)
    action = settings.pii_action_for(tenant)
    charset = traced("charset", lambda: charset_check(question))
    injection = scan_injection(text, guards)
    spans, pii_check = find_pii(text, guards, action)
    checks = [length, charset, *injection, pii_check, traced("question_profanity", lambda: profanity_check(text, guards))]
    reason = blocked_reason(checks)
    stored = UNSCANNED if spans is None else pii_text.redact(text, spans)
    passes_raw = action == PiiAction.ALLOW and not reason
    return Screening(checks, text if passes_raw else stored, stored, reason)


def blocked_reason(checks: list[CheckResult]) -> str:
    for check in checks:
        if service.is_error(check):
            return "guardrail_error"
        if not check.passed and check.check in BLOCKING:
            return BLOCKING[check.check]
    return ""


def length_check(question: str, max_chars: int) -> CheckResult:
    return CheckResult(check="question_length", passed=len(question) <= max_chars, score=float(len(question)), threshold=float(max_chars))


def charset_check(question: str) -> CheckResult:
    report = check_charset(question)
    detail = f"{report.invalid} invalid character(s): {', '.join(report.kinds)}" if report.invalid else ""
    return CheckResult(check="charset", passed=report.clean, score=float(report.invalid), threshold=0.0, detail=detail)


def scan_injection(text: str, guards: Guards) -> list[CheckResult]:
    return [traced(scanner.name, lambda scanner=scanner: service.guarded(scanner.name, lambda: scanner.scan(text)))
            for scanner in guards.injection]


def find_pii(text: str, guards: Guards, action: PiiAction) -> tuple[list[pii_text.PiiSpan] | None, CheckResult]:
    with check_span("pii") as record:
        spans, check = _find_pii(text, guards, action)
        return spans, record(check)


def _find_pii(text: str, guards: Guards, action: PiiAction) -> tuple[list[pii_text.PiiSpan] | None, CheckResult]:
    try:
        spans = guards.pii.find(text)
    except Exception as error:  # fail closed: the text cannot be redacted, so it must not go on
        return None, service.failed("pii", error)
    blocks = bool(spans) and action == PiiAction.BLOCK
    detail = f"{pii_text.summary(spans)}; action {action.value}" if spans else ""
    return spans, CheckResult(check="pii", passed=not blocks, score=float(len(spans)), threshold=0.0 if action == PiiAction.BLOCK else None, detail=detail)


def profanity_check(text: str, guards: Guards) -> CheckResult:
    """Recorded, not blocking: people swear at search boxes; an answer with profanity is blocked instead."""
    found = guards.profanity.find(text)
    return CheckResult(check="question_profanity", passed=not found, score=float(len(found)), threshold=1.0)
