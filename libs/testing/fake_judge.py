"""What the fake Anthropic server says when asked to judge: a JSON verdict computed from the text it was given.

A request is a judge request when its system prompt asks for the "faithfulness" verdict. The fake reads the
`Question:`, `Answer:` and `Cited quotes:` sections the way a model would: faithfulness is the mean share of
each answer sentence's content words found in the quotes, relevance the share of the question's content
words the answer holds. Seeded noise (± `noise`) makes repeats disagree, as a sampled model does.
"""

import json
import random
import re

from libs.models.text import content_words, coverage, sentences

JUDGE_MARKER = '"faithfulness"'
SECTION = re.compile(r"^(Question|Answer|Cited quotes):\n", re.MULTILINE)
CITATION_MARK = re.compile(r"\s*\[\d{1,3}\]")
QUOTE = re.compile(r"^\[\d{1,3}\] (.*)$", re.MULTILINE)


def is_judge_request(request: dict) -> bool:
    system = request.get("system", "")
    text = system if isinstance(system, str) else " ".join(b.get("text", "") for b in system if isinstance(b, dict))
    return JUDGE_MARKER in text


def sections(prompt: str) -> dict[str, str]:
    parts = SECTION.split(prompt)  # ["", "Question", "...", "Answer", "...", ...]
    return {name: text.strip() for name, text in zip(parts[1::2], parts[2::2])}


def faithfulness(answer: str, quotes: str) -> float | None:
    claims = sentences(CITATION_MARK.sub("", answer))
    evidence = content_words(" ".join(QUOTE.findall(quotes)))
    if not claims or not evidence:
        return None
    return sum(coverage(content_words(claim), evidence) for claim in claims) / len(claims)


def relevance(question: str, answer: str) -> float | None:
    asked = content_words(question)
    return coverage(asked, content_words(answer)) if asked and answer else None


class FakeJudge:
    def __init__(self, noise: float = 0.0, seed: int = 0) -> None:
        self.noise = noise
        self._random = random.Random(seed)

    def verdict(self, prompt: str) -> str:
        found = sections(prompt)
        answer = found.get("Answer", "")
        values = {
            "faithfulness": faithfulness(answer, found.get("Cited quotes", "")),
            "answer_relevance": relevance(found.get("Question", ""), answer),
        }
        return json.dumps({metric: self.noisy(value) for metric, value in values.items()})

    def noisy(self, value: float | None) -> float | None:
        if value is None:
            return None
        return round(min(1.0, max(0.0, value + self._random.uniform(-self.noise, self.noise))), 2)
