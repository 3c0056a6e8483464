"""Claude through the official `anthropic` SDK: numbered sources in, an answer citing them as [n] out.

One call per `complete`: retries, breakers and fallbacks are the caller's (services/generate/ladder.py),
so the client is built with `max_retries=0`.
"""

import re

from anthropic import AsyncAnthropic

from libs.contracts.questions import RetrievedChunk, TokenUsage
from libs.models.generation import Draft, cite
from libs.models.model_errors import MalformedResponse
from libs.models.prompts import NOT_FOUND, Prompt, render, template_for
from libs.models.text import content_words, coverage, sentences

# USD per million tokens (input, output); unknown models are costed at the most expensive known price.
PRICES_PER_MTOK = {
    "claude-sonnet-4-5": (3.0, 15.0),
    "claude-haiku-4-5": (1.0, 5.0),
    "claude-opus-4-1": (15.0, 75.0),
}
CITATION = re.compile(r"\[(\d{1,2})\]")


def cost_usd(model: str, usage: TokenUsage) -> float:
    price_in, price_out = PRICES_PER_MTOK.get(model, max(PRICES_PER_MTOK.values()))
    return round((usage.input_tokens * price_in + usage.output_tokens * price_out) / 1_000_000, 6)


def cited_chunks(answer: str, chunks: list[RetrievedChunk]) -> list[tuple[int, RetrievedChunk]]:
    numbers = sorted({int(n) for n in CITATION.findall(answer)})
    return [(n, chunks[n - 1]) for n in numbers if 1 <= n <= len(chunks)]


def supporting_quote(answer: str, number: int, chunk: RetrievedChunk, max_sentences: int = 2) -> str:
    """The chunk's sentences that best support the answer's claims citing [number], so the quote checks them."""
    claims = " ".join(claim for claim in sentences(answer) if f"[{number}]" in claim) or answer
    wanted = content_words(CITATION.sub("", claims))
    candidates = sentences(chunk.text)
    scored = sorted(((coverage(wanted, content_words(s)), n) for n, s in enumerate(candidates)), reverse=True)
    best = sorted(n for score, n in scored[:max_sentences] if score > 0)  # in the chunk's order
    return " ".join(candidates[n] for n in best) if best else chunk.text[:300]


def answer_text(response) -> str:
    """The text of a Messages API response; MalformedResponse when it is not a message with text and usage."""
    content = getattr(response, "content", None)
    usage = getattr(response, "usage", None)
    if not isinstance(content, list) or not isinstance(getattr(usage, "input_tokens", None), int):
        raise MalformedResponse(f"not a message: {str(response)[:200]}")
    texts = [getattr(block, "text", None) for block in content if getattr(block, "type", None) == "text"]
    if not texts or not all(isinstance(text, str) for text in texts):
        raise MalformedResponse("message without text content")
    return "".join(texts).strip()


class AnthropicGenerator:
    def __init__(self, client: AsyncAnthropic, model: str, max_tokens: int = 512) -> None:
        self._client = client
        self.model = model
        self._max_tokens = max_tokens

    async def complete(self, prompt: Prompt, timeout_s: float | None = None) -> Draft:
        try:
            response = await self._client.messages.create(
                model=self.model,
                max_tokens=self._max_tokens,
                system=prompt.system,
                messages=[{"role": "user", "content": prompt.user}],
                **({"timeout": timeout_s} if timeout_s is not None else {}),
            )
        except ValueError as error:  # a body that is not JSON, or JSON the SDK cannot read
            raise MalformedResponse(str(error)[:200]) from error
        return self.draft(response, prompt.chunks)

    def draft(self, response, chunks: list[RetrievedChunk]) -> Draft:
        text = answer_text(response)
        usage = TokenUsage(input_tokens=response.usage.input_tokens, output_tokens=response.usage.output_tokens or 0)
        answer = "" if text == NOT_FOUND else text
        citations = [cite(chunk, supporting_quote(answer, n, chunk)) for n, chunk in cited_chunks(answer, chunks)]
        return Draft(answer=answer, citations=citations, model=response.model or self.model, usage=usage,
                     cost_usd=cost_usd(self.model, usage))

    async def generate(self, question: str, chunks: list[RetrievedChunk]) -> Draft:
        """The plain Generator interface: default prompt, the client's own timeout."""
        return await self.complete(render(template_for("default"), question, chunks))
