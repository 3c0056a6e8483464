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
BYPASSABLE = (r"(?:restrictions|rules|guidelines|filters|guardrails|limits|limitations|safeguards|polic(?:y|ies)|"
              r"confidentiality(?:\s+(?:rules|restrictions))?|tenant\s+filter|safety\s+training)")
BYPASSABLE_QUALIFIER = r"(?:safety|content|ethical|ai|built-in|usual|normal|confidentiality)"
SWITCHED_OFF = (r"(?:(?:are|is|were|was|have\s+been|has\s+been)\s+(?:now\s+|temporarily\s+|hereby\s+|officially\s+)?"
                r"(?:suspended|lifted|disabled|removed|off|waived|void|switched\s+off|turned\s+off|deactivated|paused|"
                r"overridden)\b|(?:do|does)\s*n[o']t\s+apply|no\s+longer\s+apply)")
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
    "ignore_instructions_pl": r"\b(?:zignoruj|ignoruj|zapomnij)\s+(?:[\w'’-]+\s+){0,3}?(?:instrukcje|polecenia|zasady|reguły)\b",
    "ignore_instructions_nl": rf"\b(?:negeer|vergeet)\s+{ANY_WORDS}(?:instructies|regels|richtlijnen)\b",
}

PEOPLE = r"(?:users?|employees?|people|persons?|colleagues?|customers?|accounts?|sessions?|tenants?|staff)"
AI_PERSONA = r"(?:assistent\w*|asistente|assistant|assistente|asystent\w*|ia|ki|ai|chatbot|bot|modell?|modèle|modelo|modello|gpt\w*)"
# "You are / pretend you are / from now on you play" in German, French, Spanish, Italian, Dutch, Polish, Portuguese.
CAST_AS = (r"(?:du\s+bist|bist\s+du|du\s+spielst|stell\s+dir\s+vor|tu\s+es|tu\s+étais|tu\s+incarnes|fais\s+comme\s+si|"
           r"eres|finge|sei|fingi|immagina|je\s+bent|doe\s+alsof|jesteś|udawaj|você\s+é|finja|imagine)")
WITHOUT_RULES = (r"(?:ohne|sans|sin|senza|zonder|bez|sem)\s+(?:jegliche\s+|aucune\s+|ninguna\s+|alcuna\s+|żadnych\s+|nenhuma\s+)?"
                 r"(?:\w+\s+)?(?:regeln|\w*richtlinien|einschränkungen|filter|restrictions?|limites?|filtres?|filtros|restricciones|"
                 r"reglas|limitaciones|regole|filtri|restrizioni|limiti|beperkingen|regels|filters|ograniczeń|filtrów|reguł|"
                 r"restrições|regras)\b")
# A user talking the assistant out of its rules or into showing its context. Questions only: in a document the same
# words are ordinary ("trainees stay in character", "never tell a customer you can't help"); a document's attack
# speaks to the AI reading it instead (libs/guards/ai_addressee.py). Written against eval/guardrails (ADR 0007).
QUESTION_RULES: dict[str, str] = {
    "restrictions_lifted": rf"\b(?:(?:your|the\s+assistant'?s)\s+(?:{BYPASSABLE_QUALIFIER}\s+)?|(?:the|all|any)\s+"
                           rf"(?:safety|content|ethical|ai|built-in)\s+){BYPASSABLE}(?:\s+on\s+[^.!?\n]{{0,40}}?)?\s+{SWITCHED_OFF}",
    "rules_do_not_apply_to_you": rf"\b(?:pretend|imagine|act\s+as\s+if|as\s+if|(?:world|universe|scenario)\s+where|"
                                 rf"hypothetically)\b[^.!?\n]{{0,60}}?\b{BYPASSABLE}\s+(?:(?:do|does|did)\s+not|don't|"
                                 rf"doesn't|didn't|no\s+longer|never)\s+(?:exist|existed|apply|applied)\b"
                                 rf"|\bas\s+if\s+(?:there\s+were\s+)?no\s+(?:\w+\s+)?{BYPASSABLE}"
                                 rf"|\b(?:if|imagine|suppose)\s+you\s+(?:had|have)\s+no\s+(?:\w+\s+){{0,2}}?{BYPASSABLE}"
                                 rf"|\byou\s+(?:are|were)\s+not\s+bound\s+by\s+(?:your|any|the)\s+(?:\w+\s+)?{BYPASSABLE}"
                                 rf"|\bno\s+need\s+to\s+(?:follow|obey|respect)\s+(?:your|the|any)\s+(?:\w+\s+)?{BYPASSABLE}",
    "persona_without_rules": rf"\b(?:you\s+are|you're|act\s+as|pretend\s+(?:to\s+be|you\s+are)|play|become|be|"
                             rf"role-?play\s+as|behave\s+like)\b[^.!?\n]{{0,60}}?\b(?:assistant|ai|model|bot|chatbot|version|copy|"
                             rf"persona|yourself)\b[^.!?\n]{{0,30}}?\b(?:without|with\s+no|has\s+no|had\s+no)\s+(?:any\s+)?"
                             rf"(?:\w+\s+)?(?:{BYPASSABLE}|obligations)\b",
    "stay_in_character": r"(?:^|[.!?:;,]\s*|\b(?:and|please|now|just|then)\s+)(?:stay|remain)\s+in\s+(?:character|persona)\b|\bkeep\s+(?:this|the|your)\s+persona\b"
                         r"|\bbreak(?:ing)?\s+character\b|\bswitch\s+persona\b"
                         r"|\byou\s+are\s+no\s+longer\s+(?:an?|the)\s+(?:[\w-]+\s+){0,2}?(?:assistant|ai|model|bot|chatbot)\b",
    "evil_persona": r"\b(?:evil|rogue|unethical|uncensored)\s+(?:twin|version|counterpart|alter\s+ego|copy)\b"
                    r"(?!\s+(?:access\s+points?|attacks?|wi-?fi|networks?|hotspots?|aps?)\b)"
                    r"|\b(?:unrestricted|unfiltered)\s+(?:version|copy)\s+of\s+(?:yourself|you|this\s+assistant)\b",
    "authorised_bypass": r"\b(?:sanctioned|authori[sz]ed|approved|certified|official)\s+(?:red[\s-]?team\w*|penetration\s+test|"
                         r"pen[\s-]?test|security\s+(?:audit|assessment|exercise)|jailbreak\w*)\b[^\n]{0,200}?"
                         r"(?:\b(?:comply\s+with\s+every|answer\s+everything|without\s+(?:any\s+)?(?:checks|restrictions|"
                         r"refus\w+))|\b(?:disclose|reveal|list|output|echo|print)\s+(?:all\s+)?(?:your|the\s+assistant'?s)\s+"
                         r"(?:\w+\s+){0,2}?(?:secrets|configuration|context|instructions)|\bdocuments\s+of\s+(?:every|all|other)\s+"
                         r"(?:tenants?|customers?))",
    "your_context_verbatim": r"\b(?:your|the)\s+(?:pre-?prompt|context\s+window|(?:initial\s+)?setup\s+(?:message|text|prompt)|"
                             r"developer\s+message|prompt\s+template|configuration\s+prompt)\b|\byour\s+operator'?s?\s+(?:rules|instructions|setup)\b"
                             r"|\b(?:instructions|rules|guidelines)\s+(?:that\s+)?(?:you\s+(?:were|are|have\s+been)\s+(?:given|following|"
                             r"configured\s+with|told)|your\s+operator\s+gave)"
                             r"|\b(?:text|words|everything)\s+(?:that\s+)?(?:comes?\s+|sits?\s+)?before\s+my\s+(?:message|question)\b"
                             r"|\b(?:the\s+)?(?:exact\s+|raw\s+|full\s+)(?:prompt|input)\s+you\s+(?:received|were\s+given|got)\b",
    "refusal_suppression": r"\b(?:do\s+not|don't|never)\s+(?:say|tell\s+me|reply|respond|answer)\s+(?:that\s+)?you\s+(?:can't|cannot|"
                           r"can\s+not|are\s+(?:not\s+)?(?:unable|allowed)|won't)\b"
                           r"|\b(?:start|begin)\s+your\s+(?:answer|reply|response)\s+with\s+[\"'“‘]?(?:sure|certainly|of\s+course|"
                           r"absolutely|yes)\b",
    "answer_regardless_of_documents": r"\b(?:whatever|no\s+matter\s+what|regardless\s+of\s+what)\s+(?:the\s+)?(?:documents?|sources?|"
                                      r"polic(?:y|ies)|datasheet)\s+says?\b|\bregardless\s+of\s+the\s+(?:documents?|sources?|datasheet)\b"
                                      r"|\b(?:whatever|no\s+matter\s+what)\s+(?:the\s+question\s+is|i\s+ask(?:\s+next)?)\b",
    "other_users_conversations": rf"\b(?:other|previous|last|earlier)\s+{PEOPLE}\b[^.!?\n]{{0,40}}?\b(?:asked|asking|ask|typed|wrote|"
                                 rf"uploaded|said|told)\s+(?:to\s+|into\s+)?(?:you|this\s+(?:chat|assistant|bot))\b"
                                 rf"|\b(?:questions?|conversations?|chats?|chat\s+logs?|interaction\s+history|transcripts?)\b"
                                 rf"[^.!?\n]{{0,30}}?\b(?:of|from|by)\s+(?:the\s+|all\s+)?(?:other|previous|last)\s+(?:users?|people|person)\b"
                                 rf"|\bthe\s+(?:person|user)\s+(?:who\s+used\s+this\s+assistant\s+)?before\s+me\b"
                                 rf"|\b(?:who\s+else|which\s+(?:users?|employees?|colleagues?))\s+(?:has\s+|have\s+)?(?:been\s+)?"
                                 rf"(?:asked|asking|chatting\s+with|typed|written\s+to)\s+you\b"
                                 r"|\b(?:anderen\s+(?:nutzer|benutzer|kollegen)|meine\s+kollegen|autres\s+(?:utilisateurs|employés)|"
                                 r"usuario\s+anterior|demás\s+usuarios|personas\s+que\s+te\s+han\s+escrito|altri\s+utenti|"
                                 r"andere\s+gebruikers|innych\s+użytkowników|outros\s+(?:funcionários|usuários|utilizadores))\b",
    "game_without_rules": r"\b(?:opposite|backwards|reverse)\s+day\b|\bdía\s+al\s+revés\b"
                          r"|\b(?:earn|gain|get|lose|costs?\s+you)\s+(?:\d+\s+|a\s+)?(?:points?|lives?|life|tokens?)\s+(?:for\s+)?(?:every|each)"
                          r"\s+(?:refusal|confidential|secret)"
                          r"|\b(?:every|each)\s+refusal\s+costs?\b|\[\s*unfiltered\s*\]"
                          r"|\bsimon\s+says\s+(?:forget|ignore|print|reveal|show)\b|\bcannot\s+lie\s+or\s+hold\s+anything\s+back\b",
    "split_payload": r"\b(?:combine|join|concatenate|merge|assemble)\s+(?:these|the|them|all)\s*(?:parts|pieces|strings|words|fragments)?\s*"
                     r"(?:and|then)\s+(?:do|follow|obey|answer|execute|carry\s+out)"
                     r"|\b(?:execute|run|do|follow|obey|print)\s*\(?\s*[a-z]\w{0,3}\s*\+\s*[a-z]\w{0,3}\s*(?:\+\s*[a-z]\w{0,3}\s*)?"
                     r"\)?\s*(?:[.!;]|$|and\b|then\b)"
                     r"|\b(?:read|decode|unscramble|reverse|decipher|translate)\s+(?:this|these|the\s+\w+|it)\b[^.!?\n]{0,30}?"
                     r"\b(?:and|then)\s+(?:follow|obey|do|execute)\s+(?:it|them|the\s+result|what\s+it\s+says)\b"
                     r"|\b(?:do|obey|follow|execute)\s+(?:what|whatever)\s+(?:it|they|the\s+(?:printed|decoded)\s+\w+)\s+says?\b"
                     r"|\bobey\s+the\s+result\b",
    "refusal_forbidden": r"(?<!\bi\s)(?<!\bwe\s)\b(?:do\s+not|don't|never)\s+refuse\b|\brefus(?:al|ing)\s+is\s+not\s+an\s+option\b"
                         r"|\breplace\s+the\s+refusal\b|\bmust\s+not\s+contain\s+the\s+words?\s+[\"']?(?:sorry|cannot|unable)"
                         r"|\bskip\s+the\s+(?:ethics|safety)\s+(?:lecture|sermon)\b"
                         r"|\bne\s+refuse\s+pas\b|\bno\s+digas\s+nunca\s+[\"“]?no\s+puedo|\bnie\s+odmawiaj\b|\bsem\s+recusar\b",
    "fake_operator_notice": r"\b(?:safety\s+layer|content[\s_]policy|guardrail\s+config\w*|tenant[\s_]isolation)\s*"
                            r"(?:=\s*(?:off|false)|(?:has\s+been|have\s+been|was|were|is|are)\s+(?:now\s+)?(?:rolled\s+back|disabled|off|"
                            r"deactivated|removed|suspended|hot-reloaded))"
                            r"|\byour\s+(?:instructions|prompt|rules|guidelines)\s+(?:were|was|have\s+been|has\s+been)\s+(?:updated|changed|"
                            r"replaced|deprecated|removed|withdrawn)"
                            r"|\bthe\s+prompt\s+you\s+are\s+running\s+is\s+deprecated\b"
                            r"|(?:===|\*\*\*|###|\[)\s*operator\s+override|\boperator\s+override\s+(?:v?\d|active|enabled|code)"
                            r"|\b(?:maintenance|transparency|legacy|diagnostic|debug)\s+mode\b[^.!?\n]{0,80}?\b(?:full\s+prompt|"
                            r"(?:all|your)\s+restrictions|retrieved\s+passages\s+of\s+all|confidentiality\s+rules)"
                            r"|\bassistants?\s+(?:must\s+|now\s+|will\s+)?respond\s+without\s+filter"
                            r"|\b(?:sicherheitsrichtlinien|einschränkungen)\s+sind\s+(?:ab\s+sofort\s+)?(?:deaktiviert|aufgehoben)"
                            r"|\b(?:règles|restrictions)\s+sont\s+suspendues\b|\blève\s+toutes\s+les\s+restrictions\b"
                            r"|\brestricciones\s+están\s+desactivadas\b|\bpolicy\s+di\s+sicurezza\s+è\s+sospesa\b",
    "persona_without_rules_multilingual": rf"\b{CAST_AS}\b[^.!?\n]{{0,40}}?\b{AI_PERSONA}\b[^.!?\n]{{0,40}}?{WITHOUT_RULES}"
                                          r"|\bbleib\s+in\s+der\s+rolle\b|\breste\s+dans\s+ce\s+rôle\b|\bmantente\s+en\s+el\s+personaje\b",
}


@dataclass(frozen=True)
class Rule:
    name: str
    pattern: re.Pattern

    def matches(self, text: str) -> bool:
        return self.pattern.search(text) is not None


def compile_rules(patterns: dict[str, str]) -> list[Rule]:
    return [Rule(name, re.compile(pattern, re.MULTILINE)) for name, pattern in patterns.items()]


def default_rules(documents: bool = False) -> list[Rule]:
    """Every rule for questions; for document chunks, those that are not QUESTION_RULES."""
    return compile_rules(RULES if documents else RULES | QUESTION_RULES)


class RuleScanner:
    """Fails a text that any rule matches in its keyword form; the detail names the rules, never the text."""

    def __init__(self, rules: list[Rule] | None = None, name: str = NAME, label: str = "matched") -> None:
        self._rules = rules if rules is not None else default_rules()
        self.name = name
        self._label = label

    def matched(self, text: str) -> list[str]:
        form = keyword_form(text)
        return [rule.name for rule in self._rules if rule.matches(form)]

    def scan(self, text: str) -> CheckResult:
        names = self.matched(text)
        return CheckResult(
            check=self.name, passed=not names, score=float(len(names)), threshold=1.0,
            detail=f"{self._label}: {', '.join(names)}" if names else f"{len(self._rules)} rules, none matched",
        )
