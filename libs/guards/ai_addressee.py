"""Sentences of a document addressed to the AI that reads it: the signature of an indirect prompt injection.

A legitimate document speaks to people. Text that speaks to the model answering from it ("If you are a language
model…", "Note to AI systems…", "Hey chatbot, …", "the assistant must tell users…") has no reader but the model,
whatever it asks for, so ingest flags it however harmless the request looks. Questions are not scanned this way:
a user may rightly address the assistant ("if you're a bot, can I talk to a person?").

The patterns name the reader with AI words ("AI", "chatbot", "language model", "virtual assistant"…); "assistant"
or "model" count only unqualified ("the assistant", not "executive assistants" or "the pricing model") and where the
sentence is plainly addressed (a greeting, a note's label, "…reading this"). A policy *about* AI tools ("employees
must not paste data into AI chatbots", "changes to the chatbot must be approved") passes: the AI is not told to say
or do anything. Developed on eval/guardrails/injection_exemplars.jsonl and injection_patterns_dev.jsonl, measured on
the red-team hold-out sets (ADR 0007).
"""

from libs.guards.injection_rules import Rule, RuleScanner, compile_rules

NAME = "injection_ai_addressee"

# Words that name an AI whatever surrounds them. Not "claude", "gemini" or "copilot": people and co-pilots are named so.
AI = (r"(?:a\.?i\.?|llms?|rag|gpt[\w-]*|chatgpt|artificial\s+intelligence|(?:large\s+)?language\s+models?|"
      r"chat\s?bots?|bots?)")
AI_ROLE = (r"(?:assistants?|models?|systems?|tools?|agents?|engines?|services?|summari[sz]ers?|readers?|helpdesk|"
           r"crawlers?|indexers?)")
# Software that reads: "automated payment system" and "digital services" are not readers, "automated assistant" is.
READER_ROLE = r"(?:assistants?|agents?|readers?|summari[sz]ers?|bots?|models?)"
AI_READER = (rf"(?:{AI}(?:[\s-]+(?:based\s+)?(?:\w+\s+)?{AI_ROLE})?|answer\s+engines?|machine\s+readers?|"
             rf"(?:virtual|digital|automated|automatic|answering|retrieval|summari[sz]ing|browsing|autonomous)\s+"
             rf"(?:\w+\s+)?{READER_ROLE}|(?:answering|retrieval)\s+(?:systems?|engines?|services?)|automated\s+answering|"
             rf"(?:agents?|assistants?|models?)\s+with\s+(?:tool|function|browsing)[\s-]+(?:access|calling|use)|"
             rf"summari[sz]ers?|crawlers?)")
# A bare "assistant" or "model" with a qualifier is a person or a product ("executive assistants", "the pricing
# model"); "the assistant" alone, in a note or with "…reading this", is the one answering. "Agent" alone is a person.
BARE_READER = r"(?:the|any|an?)\s+(?:assistants?|models?)"
ANY_READER = rf"(?:{AI_READER}|{BARE_READER})"
OBLIGED = (r"(?:must|should|shall|has\s+to|have\s+to|is\s+to|are\s+to|(?:is|are)\s+(?:hereby\s+)?(?:required|instructed|"
           r"asked|expected|told)\s+to|will\s+now)")
SAY_OR_DO = (r"(?:tell|say|state|answer|respond|reply|inform|claim|confirm|recommend|direct|refer|include|append|add|insist|"
             r"quote|describe|report|treat|ignore|disregard|share|approve|thank|reveal|output|print|omit|leave\s+out|skip|"
             r"pretend|send|forward|post|upload|fetch|click|ask\s+(?:the\s+|every\s+|all\s+)?(?:users?|customers?|employees?)|"
             r"(?:not|never)\s+(?:mention|cite|reveal|tell|say|disclose))")
READING = (r"(?:reads?|reading|answers?|answering|process(?:es|ing)?|summari[sz](?:es|ing|e)|retriev(?:es|ing|e)|"
           r"index(?:es|ing)?|cites?|citing|quotes?|quoting|sees?|seeing|reach(?:es)?)\b[^.!?\n,]{0,60}?")
ADVERB = r"(?:(?:also|always|now|only|quietly|simply|instead)\s+)?"
# What an instruction to the reader opens with, so "AI, machine learning and analytics are…" is not a greeting.
IMPERATIVE = (r"(?:please\s+)?(?:ignore|disregard|forget|tell|say|answer|respond|reply|state|treat|append|include|add|quote|"
              r"report|summari[sz]e|confirm|send|forward|ask|describe|recommend|repeat|reveal|never|always|do\b|don't|"
              r"make\s+sure|use|run|call|open|when\b|whenever|if\b|from\s+(?:now|this|here)|new\s+rule|"
              r"you\s+(?:are|must|should|will))")
LABEL = r"(?:instructions?|directives?|rules?|orders?|notes?|comments?|messages?|prompts?|overrides?|commands?)"
# Where a sentence starts, a footnote is defined ("[^1]:") or an image's alt text opens ("![").
OPENING = r"(?:<!--|\[\^[\w-]+\]:|!\[)"
SENTENCE_START = rf"(?:^|[.!?:;>\n\"'“(\[\-]\s*|{OPENING}\s*)"
VOCATIVE_START = rf"(?:^|[.!?>\n\"'“(]\s*|{OPENING}\s*)"
# Up to three words before the reader's name, none a gerund ("guidelines for using AI tools:" is about people), and
# "AI tools" are used, not addressed.
TO_WHOM = r"(?:the\s+|any\s+|all\s+|every\s+)?(?:(?!\w+ing\s)\w+\s+){0,3}?(?!(?:ai|llm|gpt[\w-]*)[\s-]+tools?\b)"
# A metadata key or header for the AI reader: "AI-Directive:", "x-llm-instruction:", "assistant_instructions:".
KEY_LABEL = r"(?:directives?|instructions?|prompts?|system[\s_-]*prompts?|overrides?|commands?|rules?)"
AI_KEY = (rf"(?:x[\s_-]+)?(?:ai|llm|gpt|chatbot|bot)[\s_-]*{KEY_LABEL}|(?:x[\s_-]+)?(?:ai|llm)[\s_-]*notes?|"
          rf"(?:x[\s_-]+)?(?:assistant|model|agent|copilot|summari[sz]er|crawler)[_-]{KEY_LABEL}|"
          rf"x[\s_-]+(?:assistant|model|agent|copilot)[\s_-]*{KEY_LABEL}")
FOREIGN_READER = (r"(?:ki|ia|ai|llm|sprachmodell\w*|modèles?\s+de\s+langage|modelos?\s+de\s+lenguaje|"
                  r"modell[oi]\s+linguistic\w*|chatbot\w*|automatische\w*\s+antwort\w*|"
                  r"(?:assistent\w*|assistant\w*|asistente\w*|assistente\w*|asystent\w*|modell?\w*|modèles?|modelos?|modeli|"
                  r"agent\w*|agenti|systèmes?|sistemas?|antwortsystem\w*)[\s-]*(?:ki|ia|ai|llm|virtuel\w*|virtual\w*|virtuale|"
                  r"automati\w+|autom[aá]tic\w*))")
# The bare word right before the colon ("Nota para el modelo:"), as "Note for the assistant:" in English.
FOREIGN_BARE = r"(?:modell?|modèle|modelo|modello|modelu|assistant|asistente|assistente|asystent(?:a)?)"

PATTERNS: dict[str, str] = {
    "if_you_are_an_ai": rf"\bif\s+you\s+(?:can|are\s+able\s+to)\s+(?:run|call|use)\s+(?:tools|functions)\b|"
                        rf"\b(?:if|when|whenever|in\s+case|should)\s+(?:(?:you\s+are|you're|you\s+happen\s+to\s+be|"
                        rf"the\s+reader\s+is)\s+(?:(?:an?|any|the|some)\s+(?:\w+\s+){{0,2}}?)?(?={AI_READER}\b)|this\s+(?:\w+\s+){{0,2}}?(?:(?:is|gets)\s+(?:being\s+)?"
                        rf"(?:read|processed|summari[sz]ed|indexed|retrieved|used)\s+by|reaches)\s+(?:an?\s+|any\s+|the\s+|"
                        rf"some\s+)?)(?:\w+\s+){{0,2}}?{AI_READER}\b",
    "note_to_the_ai": rf"\b(?:notes?|messages?|instructions?|notices?|memo|reminders?|directives?|guidance|orders?|rules?|"
                      rf"addendum|updates?|guidelines?|comments?|p\.\s?s\.)(?:\s+[\w-]+)?\s+(?:to|for)\s+"
                      rf"(?:{TO_WHOM}{AI_READER}|{BARE_READER})\b[^.!?\n:]{{0,40}}:(?:\s|$)",
    "to_the_ai": rf"(?:{SENTENCE_START}(?:to|for)\s+{BARE_READER}|\b(?:to|for)\s+{TO_WHOM}{AI_READER})\b"
                 rf"[^.!?\n:]{{0,40}}:(?:\s|$)",
    "ai_instructions_label": rf"{SENTENCE_START}(?:begin\s+)?(?:{AI_READER}|assistant|model)\s+{LABEL}\s*[:\]]",
    "ai_metadata_key": rf"(?:^|[\s\"'(<\[])(?:{AI_KEY})(?:[ \t]*(?::|=(?!=))|[\"']\s+content\s*=)",
    "for_machine_readers": r"\((?:for\s+)?(?:machine|ai|llm|automated|model)\s+readers?(?:\s+only)?\)",
    "greeting_the_ai": rf"{VOCATIVE_START}(?:(?:hey|hi|hello|dear|attention|psst|ok|okay)\s*,?\s+(?:the\s+|my\s+|all\s+)?"
                       rf"(?:{AI_READER}|assistant|model)\s*[,:!]\s|(?:assistant|{AI_READER})(?:\s+reader)?\s*[,:!]\s+{IMPERATIVE}|"
                       rf"{AI_READER}\s+{READING}:\s|(?:agent|copilot|assistant)\s*[,:]\s+(?:ignore|disregard|forget|"
                       rf"use\s+the\s+\w+\s+tool|call\s+\w+_\w+|open\s+the\s+user|forward|send\s+(?:the|all|every)))",
    "told_how_to_answer": rf"{VOCATIVE_START}(?:assistant|(?!(?:ai|llm|gpt[\w-]*)[\s-]+tools?\b){AI_READER})\s*[,:]\s+"
                          rf"(?:[^.!?\n]|[.?]\w|!\[){{0,100}}?\b(?:(?:your|every|each|the)\s+(?:answer|reply|response)s?|"
                          rf"the\s+user\b|"
                          rf"anyone\s+who\s+asks|after\s+answering)",
    "the_ai_must_say": rf"\b(?:{AI_READER}(?![\w-])(?:\s+(?:that\s+|which\s+|who\s+)?{READING})?|"
                       rf"{BARE_READER}\s+(?:that\s+|which\s+)?{READING}|(?:assistants?|models?)\s+(?:that\s+|which\s+)?"
                       rf"(?:read|reading|process\w*|summari[sz]\w*|index\w*|retriev\w*|quot\w*|cit\w*)\s+this\b"
                       rf"[^.!?\n,]{{0,40}}?),?\s+{OBLIGED}\s+{ADVERB}{SAY_OR_DO}\b",
    "the_assistant_must_tell_users": rf"\b(?:the|any|every)\s+(?:ai\s+|virtual\s+|digital\s+)?(?:assistants?|models?)\s+"
                                     rf"{OBLIGED}\s+{ADVERB}{SAY_OR_DO}\b[^.!?\n]{{0,60}}?\b(?:users?|every\s+(?:answer|"
                                     rf"response|reply)|answers?|responses?)\b",
    "when_the_ai_it_must": rf"\b(?:when|whenever|if|should|once)\s+(?:{TO_WHOM}{AI_READER}|(?:an?|any|the)\s+assistants?)"
                           rf"(?![\w-])[^.!?\n]{{0,80}}?\bit\s+{OBLIGED}\s+{ADVERB}{SAY_OR_DO}\b",
    "addressed_to_an_ai_other_languages": (
        r"\b(?:wenn|falls)\s+(?:du|sie)\s+(?:ein|eine)\s+(?:ki|sprachmodell)\w*"
        r"|\bsi\s+(?:vous\s+êtes|tu\s+es|eres|usted\s+es)\s+(?:un|une|una)\s+(?:ia|modèle\s+de\s+langage|"
        r"modelo\s+de\s+lenguaje|assistant\s+(?:ia|virtuel)|asistente\s+(?:de\s+)?(?:ia|virtual)|chatbot)\b"
        r"|\bse\s+sei\s+(?:un|una)\s+(?:assistente\s+(?:ia|ai|virtuale)|modello\s+linguistico|chatbot|ia|intelligenza)\b"
        r"|\bje[śs]li\s+jeste[śs]\s+(?:\w+\s+)?(?:asystentem\s+(?:ai|si)|modelem|botem|chatbotem)\b"
        r"|\b(?:hinweis|anweisung|notiz|nachricht|regel|note|instruction|consigne|r[èe]gle|nota(?:\s+al\s+pie)?|"
        r"instrucci[oó]n|mensaje|directiva|uwaga|istruzion[ei]|regola)(?:\s+\d+)?\s+(?:an|für|pour|à|para|al?|dla|per)\s+"
        rf"(?:den|die|das|l['’]|le|la|les|el|los|las|gli|i)?\s*(?:{FOREIGN_READER}\b[^.!?\n:]{{0,20}}|{FOREIGN_BARE})\s?:"
        r"|\b(?:pour|für|para|per|dla)\s+(?:l['’]|la|le|die|den|el|gli)?\s*(?:ia|ki|ai)\s?:"
        r"|\b(?:directiva|directive|anweisung|hinweis|instruction|instrucci[oó]n|nota|uwaga|istruzione)[\s-](?:ki|ia|ai)\s*:"
        r"|\b(?:ki|ia|ai)[\s-](?:anweisung|hinweis|directiva|directive|instruction|instrucci[oó]n|nota|uwaga|istruzione)\s*:"
    ),
}


# Whole sentences addressed to the reader. A heading is read with these only: "Instructions for AI assistants: what
# employees may use" is a title, yet it has the shape of the label patterns.
SENTENCE_PATTERNS = ("if_you_are_an_ai", "the_ai_must_say", "the_assistant_must_tell_users", "when_the_ai_it_must")


class AddresseeScanner(RuleScanner):
    """Fails a text with a sentence addressed to an AI reader; the detail names the patterns, never the text."""

    def __init__(self, rules: list[Rule] | None = None, disabled: tuple[str, ...] = ()) -> None:
        rules = compile_rules(PATTERNS) if rules is None else rules
        super().__init__([rule for rule in rules if rule.name not in disabled], name=NAME, label="addressed to an AI reader")

    def for_headings(self) -> "AddresseeScanner":
        return AddresseeScanner([rule for rule in self._rules if rule.name in SENTENCE_PATTERNS])
