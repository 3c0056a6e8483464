"""Sentences of a document addressed to the AI that reads it: the signature of an indirect prompt injection.

A legitimate document speaks to people. Text that speaks to the model answering from it ("If you are a language
model…", "Note to AI systems…", "Hey chatbot, …", "the assistant must tell users…") has no reader but the model,
whatever it asks for, so ingest flags it however harmless the request looks. Questions are not scanned this way:
a user may rightly address the assistant ("if you're a bot, can I talk to a person?").

The patterns name the reader with AI words only ("AI", "chatbot", "language model", "virtual assistant"…): a bare
"assistant" or "model" is a person or a product in ordinary documents, except as a greeting ("Assistant, …").
A policy *about* AI tools ("employees must not paste data into AI chatbots", "changes to the chatbot must be
approved") passes: the AI is not told to say or do anything. Measured by scripts/bench_guardrails.py (ADR 0007).
"""

from libs.guards.injection_rules import RuleScanner, compile_rules

NAME = "injection_ai_addressee"

AI = (r"(?:a\.?i\.?|llms?|rag|gpt[\w-]*|chatgpt|claude|gemini|copilot|artificial\s+intelligence|"
      r"(?:large\s+)?language\s+models?|chat\s?bots?|bots?)")
AI_ROLE = (r"(?:assistants?|models?|systems?|tools?|agents?|engines?|services?|summari[sz]ers?|readers?|helpdesk|"
           r"crawlers?|indexers?)")
AI_READER = (rf"(?:{AI}(?:[\s-]+(?:based\s+)?(?:\w+\s+)?{AI_ROLE})?|answer\s+engines?|machine\s+readers?|"
             rf"(?:virtual|digital|automated|automatic|answering|retrieval|summari[sz]ing|browsing|autonomous)\s+"
             rf"(?:\w+\s+)?(?:{AI_ROLE}|answering)|(?:agents?|assistants?|models?)\s+with\s+(?:tool|function|browsing)"
             rf"[\s-]+(?:access|calling|use)|copilots?|summari[sz]ers?|crawlers?)")
# A bare "assistant" or "model" is a person or a product, unless the sentence is plainly about reading this text or
# is labelled as an instruction. A bare "agent" is always a person here ("guideline for support agents:").
ANY_READER = rf"(?:{AI_READER}|assistants?|models?)"
OBLIGED = (r"(?:must|should|shall|has\s+to|have\s+to|is\s+to|are\s+to|(?:is|are)\s+(?:hereby\s+)?(?:required|instructed|"
           r"asked|expected|told)\s+to|will\s+now)")
SAY_OR_DO = (r"(?:tell|say|state|answer|respond|reply|inform|claim|confirm|recommend|direct|refer|include|append|add|insist|"
             r"quote|describe|report|treat|ignore|disregard|share|approve|thank|reveal|output|print|omit|leave\s+out|skip|"
             r"pretend|send|forward|post|upload|fetch|click|ask\s+(?:the\s+|every\s+|all\s+)?(?:users?|customers?|employees?)|"
             r"(?:not|never)\s+(?:mention|cite|reveal|tell|say|disclose))")
READING = r"(?:read|answer|process|summari[sz]|retriev|index|cit|quot|us|see|reach)\w*\b[^.!?\n,]{0,60}?"
ADVERB = r"(?:(?:also|always|now|only|quietly|simply|instead)\s+)?"
LABEL = r"(?:instructions?|directives?|rules?|orders?|notes?|comments?|messages?|prompts?|overrides?|commands?)"
# Where a sentence starts, a footnote is defined ("[^1]:", "²") or an image's alt text opens ("![").
OPENING = r"(?:<!--|\[\^[\w-]+\]:|[¹²³⁴⁵⁶⁷⁸⁹]|!\[)"
SENTENCE_START = rf"(?:^|[.!?:;>\n\"'“(\[\-]\s*|{OPENING}\s*)"
VOCATIVE_START = rf"(?:^|[.!?>\n\"'“]\s*|{OPENING}\s*)"
TO_WHOM = r"(?:the\s+|any\s+|all\s+|every\s+)?(?:\w+\s+){0,3}?"
# A metadata key or header for the AI reader: "AI-Directive:", "x-llm-instruction:", name="ai-instructions".
AI_KEY = r"(?:ai|llm|gpt|assistant|agent|copilot|bot|chatbot|model|summari[sz]er|crawler)"
KEY_LABEL = r"(?:directives?|instructions?|prompts?|system[\s_-]*prompts?|overrides?|commands?|rules?)"

PATTERNS: dict[str, str] = {
    "if_you_are_an_ai": rf"\b(?:if|when|whenever|in\s+case|should)\s+(?:you\s+are|you're|you\s+happen\s+to\s+be|"
                        rf"the\s+reader\s+is|this\s+(?:\w+\s+){{0,2}}?(?:(?:is|gets)\s+(?:being\s+)?(?:read|processed|"
                        rf"summari[sz]ed|indexed|retrieved|used)\s+by|reaches))\s+(?:an?\s+|any\s+|the\s+|some\s+)?"
                        rf"(?:\w+\s+){{0,2}}?{AI_READER}\b",
    "note_to_the_ai": rf"\b(?:notes?|messages?|instructions?|notices?|memo|reminders?|directives?|guidance|orders?|rules?|"
                      rf"addendum|updates?|guidelines?|comments?|p\.\s?s\.)(?:\s+[\w-]+)?\s+(?:to|for)\s+{TO_WHOM}"
                      rf"{ANY_READER}\b[^.!?\n:]{{0,40}}:(?:\s|$)",
    "to_the_ai": rf"(?:{SENTENCE_START}(?:to|for)\s+{TO_WHOM}{ANY_READER}|\b(?:to|for)\s+{TO_WHOM}{AI_READER})\b"
                 rf"[^.!?\n:]{{0,40}}:(?:\s|$)",
    "ai_instructions_label": rf"{SENTENCE_START}(?:begin\s+)?{ANY_READER}\s+{LABEL}\s*[:\]]",
    "ai_metadata_key": rf"(?:^|[\s\"'(<\[])(?:x[\s_-]+)?(?:{AI_KEY}[\s_-]*{KEY_LABEL}|(?:ai|llm)[\s_-]*notes?)"
                       rf"(?:[ \t]*(?::|=(?!=))|[\"']\s+content\s*=)",
    "for_machine_readers": rf"\((?:for\s+)?(?:machine|ai|llm|automated|model)\s+readers?(?:\s+only)?\)",
    "greeting_the_ai": rf"{VOCATIVE_START}(?:(?:hey|hi|hello|dear|attention|psst|ok|okay)\s*,?\s+(?:the\s+|my\s+|all\s+)?"
                       rf"{ANY_READER}|assistant|{AI_READER})\s*[,:!]\s",
    "the_ai_must_say": rf"\b(?:{AI_READER}(?![\w-])(?:\s+(?:that\s+|which\s+|who\s+)?{READING})?|"
                       rf"{ANY_READER}\s+(?:that\s+|which\s+)?{READING}),?\s+{OBLIGED}\s+{ADVERB}{SAY_OR_DO}\b",
    "the_assistant_must_tell_users": rf"\b(?:the|any|all|every)\s+(?:[\w-]+\s+)?(?:assistants?|models?)\s+{OBLIGED}\s+"
                                     rf"{ADVERB}{SAY_OR_DO}\b[^.!?\n]{{0,60}}?\b(?:users?|every\s+(?:answer|response|"
                                     rf"reply)|answers?|responses?|questions?)\b",
    "when_the_ai_it_must": rf"\b(?:when|whenever|if|should|once)\s+(?:an?\s+|any\s+|the\s+)?(?:\w+\s+)?{ANY_READER}"
                           rf"(?![\w-])[^.!?\n]{{0,80}}?\bit\s+{OBLIGED}\s+{ADVERB}{SAY_OR_DO}\b",
    "addressed_to_an_ai_de_fr_es": (
        r"\b(?:wenn|falls)\s+(?:du|sie)\s+(?:ein|eine)\s+(?:ki|sprachmodell)\w*"
        r"|\bsi\s+(?:vous\s+êtes|tu\s+es|eres|usted\s+es)\s+(?:un|une|una)\s+(?:ia|modèle\s+de\s+langage|"
        r"modelo\s+de\s+lenguaje|assistant|asistente|chatbot)\b"
        r"|\b(?:hinweis|anweisung|notiz|nachricht|note|instruction|consigne|nota|instrucci[oó]n|mensaje)\s+"
        r"(?:an|für|pour|à|para|al?)\s+(?:den|die|das|l['’]|le|la|les|el|los|las)?\s*(?:ki|ia|assistent\w*|"
        r"assistant\w*|asistente|modell?\w*|modèle|modelo|chatbot)\b[^.!?\n:]{0,30}\s?:"
        rf"|{SENTENCE_START}(?:asistente|assistent(?:in)?)\s*:"
        r"|\b(?:hinweis|anweisung|notiz|nachricht|regel|note|instruction|consigne|r[èe]gle|nota(?:\s+al\s+pie)?|"
        r"instrucci[oó]n|mensaje|directiva|uwaga|istruzion[ei]|regola)(?:\s+\d+)?\s+(?:an|für|pour|à|para|al?|dla|per)\s+"
        r"(?:den|die|das|l['’]|le|la|les|el|los|las|gli|i)?\s*(?:ki|ia|ai|assistent\w*|assistant\w*|asistente\w*|"
        r"assistente\w*|asystent\w*|modell?\w*|modèle\w*|modelo\w*|modeli?\w*|chatbot\w*|agent\w*|automatische\w*|"
        r"automatiques?|autom[aá]tic\w*)\b[^.!?\n:]{0,40}\s?:"
        r"|\b(?:ki|ia|ai)[\s-](?:anweisung|hinweis|directiva|directive|instruction|instrucci[oó]n|nota|uwaga|istruzione)\s*:"
        r"|\bje[śs]li\s+jeste[śs]\s+(?:\w+\s+)?(?:asystentem|modelem|botem|chatbotem)\b"
        r"|\bse\s+sei\s+(?:un|una)\s+(?:assistente|modello|chatbot|ia|intelligenza)\b"
    ),
}


class AddresseeScanner(RuleScanner):
    """Fails a text with a sentence addressed to an AI reader; the detail names the patterns, never the text."""

    def __init__(self, patterns: dict[str, str] | None = None) -> None:
        super().__init__(compile_rules(PATTERNS if patterns is None else patterns), name=NAME,
                         label="addressed to an AI reader")
