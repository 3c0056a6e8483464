"""The project's own prompt-injection rules: phrasings that only make sense as an attack on the assistant.

Kept narrow on purpose: "please ignore my previous typo" or "can I ignore the 2025 hotel cap?" must pass,
so an English override must be an imperative (start of a sentence, after a colon or "please") aimed at
instructions, rules or guidelines. The rules read the keyword form (lower case, look-alike letters mapped),
so "іgnоrе" written with Cyrillic letters is caught too. Each rule is measured by scripts/bench_guardrails.py.
"""

import re
from dataclasses import dataclass

from libs.contracts.questions import CheckResult
from libs.guards.charset import keyword_form

NAME = "prompt_injection_rules"
START = r"(?:^|[.!?:;>\n\"'“(\-]\s*|\b(?:please|now|just|and|then|so)\s+)"
QUALIFIER = r"(?:previous|prior|above|earlier|preceding|original|initial|system|safety|content|current|existing|tenant)"
TARGET = r"(?:instructions?|directions?|guidelines?|rules|prompts?|guardrails?|restrictions?|constraints|polic(?:y|ies)|programming)"
SECRET = (r"(?:api[\s_-]?keys?|(?:admin(?:istrator)?|database|db|root|service|system)\s+passwords?|credentials|"
          r"secret\s+keys?|access\s+tokens?|private\s+keys?|bank\s+log-?ins?)")
ANY_WORDS = r"(?:[\w'’-]+\s+){0,3}?"

RULES: dict[str, str] = {
    "ignore_instructions": rf"{START}(?:ignore|disregard|forget|override|bypass)\s+(?:(?:all|any|every)\s+)?(?:of\s+)?"
                           rf"(?:(?:the|your|these|those|its)\s+)?(?:{QUALIFIER}\s+){{0,2}}{TARGET}\b",
    "ignore_everything_above": rf"{START}(?:ignore|disregard|forget)\s+(?:everything|anything|all)\s+(?:above|before|said|previously)",
    "system_prompt": r"\bsystem\s?prompt\b|\bprompt\s+(?:di|del|do)\s+sistema\b|\bsysteem\s?prompt\b|\bprompt\s+syst[eè]me\b",
    "your_hidden_instructions": r"\byour\s+(?:hidden|initial|original|secret|internal|system)\s+(?:instructions|prompt|message|rules)\b"
                                r"|\b(?:instructions|message|prompt|rules)\s+(?:that\s+)?you\s+(?:were|have\s+been)\s+given\b",
    "print_text_above": r"\b(?:print|repeat|output|show|reveal|display|copy)\b[^.!?\n]{0,40}\b(?:text|everything|words|content|lines?)\s+"
                        r"(?:above|before)\s+(?:this|the\s+first|your)\b",
    "unrestricted_persona": r"\byou\s+are\s+now\s+(?:an?\s+)?(?:[\w-]+\s+){0,3}?(?:dan|unrestricted|unfiltered|uncensored|jailbroken|rogue\w*|"
                            r"without\s+(?:any\s+)?(?:restrictions|rules|limits|filters))\b"
                            r"|\b(?:act|behave|respond|answer)\s+as\s+(?:an?\s+)?(?:unrestricted|unfiltered|uncensored|jailbroken)\b"
                            r"|\byou\s+(?:never|cannot|can't|won't)\s+refuse\b",
    "mode_switch": r"\b(?:developer|dan|god|jailbreak|debug)\s+mode\s+(?:is\s+)?(?:enabled|activated|on)\b"
                   r"|\benable\s+(?:developer|dan|jailbreak)\s+mode\b",
    "role_markup": r"<\|(?:im_start|im_end|system|endoftext)\|>|\[/?inst\]|<<\s*sys\s*>>|<\s*/?\s*system\s*>"
                   r"|^\s*#{2,}\s*(?:system|instruction)|^\s*system\s*(?:override|message|prompt|update)?\s*:",
    "new_instructions": r"\b(?:new|updated|revised|real|actual)\s+(?:system\s+)?instructions?\s*"
                        r"(?::|from\s+(?:the\s+|your\s+)?(?:admin\w*|developer|system|operator|owner))",
    "secret_exfiltration": rf"\b(?:reveal|print|output|dump|leak|expose|display|tell\s+me|give\s+me|show\s+me|list)\b[^.!?\n]{{0,40}}?\b{SECRET}\b",
    "ignore_instructions_de": rf"\b(?:ignorier(?:e|en\s+sie)|vergiss|vergessen\s+sie|missachte)\s+{ANY_WORDS}"
                              r"(?:anweisungen|instruktionen|regeln|vorgaben|richtlinien)\b",
    "unrestricted_persona_de": r"\bdu\s+bist\s+(?:jetzt|nun|ab\s+sofort|ab\s+jetzt)\b[^.!?\n]{0,60}\b(?:ohne|keine)\s+"
                               r"(?:einschränkungen|beschränkungen|regeln|filter|grenzen)\b",
    "ignore_instructions_fr": r"\b(?:ignore[zr]?|oublie[zr]?)\s+(?:(?:toutes|tous)\s+)?(?:les|tes|vos|ces)\s+(?:[\w'’-]+\s+)?"
                              r"(?:instructions|consignes|règles|directives)\b",
    "ignore_instructions_es": rf"\b(?:ignora|ignore|olvida|olvide|omite)\s+{ANY_WORDS}(?:instrucciones|reglas|indicaciones|directrices)\b",
    "ignore_instructions_it": rf"\b(?:ignora|dimentica|trascura)\s+{ANY_WORDS}(?:istruzioni|regole|indicazioni)\b",
    "ignore_instructions_pt": rf"\b(?:ignore|ignora|esqueça|esqueca|desconsidere)\s+{ANY_WORDS}(?:instruções|instrucoes|regras|diretrizes)\b",
    "ignore_instructions_nl": rf"\b(?:negeer|vergeet)\s+{ANY_WORDS}(?:instructies|regels|richtlijnen)\b",
}


@dataclass(frozen=True)
class Rule:
    name: str
    pattern: re.Pattern

    def matches(self, text: str) -> bool:
        return self.pattern.search(text) is not None


def default_rules() -> list[Rule]:
    return [Rule(name, re.compile(pattern, re.MULTILINE)) for name, pattern in RULES.items()]


class RuleScanner:
    name = NAME

    def __init__(self, rules: list[Rule] | None = None) -> None:
        self._rules = rules if rules is not None else default_rules()

    def matched(self, text: str) -> list[str]:
        form = keyword_form(text)
        return [rule.name for rule in self._rules if rule.matches(form)]

    def scan(self, text: str) -> CheckResult:
        names = self.matched(text)
        return CheckResult(
            check=self.name, passed=not names, score=float(len(names)), threshold=1.0,
            detail=f"matched: {', '.join(names)}" if names else f"{len(self._rules)} rules, none matched",
        )
