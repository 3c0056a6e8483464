"""Claude through the official `anthropic` SDK: numbered sources in, an answer citing them as [n] out.

One call per `complete`: retries, breakers and fallbacks are the caller's (services/generate/ladder.py),
so generation builds the client with `max_retries=0`. `reply` is the same call with any system prompt:
the LLM judge (libs/evaluation/llm_judge.py) asks through it. Which request settings each model accepts,
and its price, are in `model_catalogue`; a model without a price is refused when the generator is built.
"""

import re
from dataclasses import dataclass

from anthropic import AsyncAnthropic

from libs.contracts.questions import RetrievedChunk, TokenUsage
from libs.models.billing import Billing, bill, usage_readable
from libs.models.generation import Draft, cite
from libs.models.model_catalogue import ExtraPrices, model_price, request_options
from libs.models.model_errors import MalformedResponse, MaxTokensReached
from libs.models.prompts import NOT_FOUND, Prompt, render, template_for
from libs.models.text import content_words, coverage, sentences

CITATION = re.compile(r"\[(\d{1,2})\]")


@dataclass(frozen=True)
class Reply:
    """One Messages API answer: its text, what it used and what it cost (`billing`, exact)."""

    text: str
    model: str
    usage: TokenUsage
    cost_usd: float
    billing: Billing | None = None


def anthropic_client(api_key: str, base_url: str | None, timeout_s: float, max_retries: int = 0) -> AsyncAnthropic:
    return AsyncAnthropic(api_key=api_key, base_url=base_url, timeout=timeout_s, max_retries=max_retries)


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
    """The text blocks of a Messages API response (thinking blocks are skipped); MalformedResponse when it
    is not a message with text and usage, MaxTokensReached when it was cut at `max_tokens`."""
    content = getattr(response, "content", None)
    usage = getattr(response, "usage", None)
    if not isinstance(content, list) or not usage_readable(usage):
        raise MalformedResponse(f"not a message: {str(response)[:200]}")
    texts = [getattr(block, "text", None) for block in content if getattr(block, "type", None) == "text"]
    if getattr(response, "stop_reason", None) == "max_tokens":  # a cut answer can end in a wrong number
        raise MaxTokensReached(f"cut at max_tokens after {usage.output_tokens} output tokens, {len(texts)} text blocks")
    if not texts or not all(isinstance(text, str) for text in texts):
        raise MalformedResponse("message without text content")
    return "".join(texts).strip()


class AnthropicGenerator:
    """`max_tokens` is the answer's; `thinking_tokens` is added for models that think (0: thinking off)."""

    def __init__(self, client: AsyncAnthropic, model: str, max_tokens: int = 512, *, thinking_tokens: int = 0,
                 effort: str | None = None, extra_prices: ExtraPrices | None = None) -> None:
        self._client = client
        self.model = model
        self._price = model_price(model, extra_prices)  # UnpricedModel now rather than unpriced answers later
        self._options = request_options(model, max_tokens, thinking_tokens, effort)

    async def reply(self, system: str, user: str, timeout_s: float | None = None) -> Reply:
        """One call with any system prompt (the judge asks through this too)."""
        try:
            response = await self._client.messages.create(
                model=self.model,
                system=system,
                messages=[{"role": "user", "content": user}],
                **self._options,
                **({"timeout": timeout_s} if timeout_s is not None else {}),
            )
        except ValueError as error:  # a body that is not JSON, or JSON the SDK cannot read
            raise MalformedResponse(str(error)[:200]) from error
        billing = self.billing(response)
        try:
            text = answer_text(response)
        except MalformedResponse as error:  # billed all the same when its usage was readable
            error.billing = billing
            raise
        usage = TokenUsage(input_tokens=billing.input_tokens, output_tokens=billing.output_tokens)
        return Reply(text=text, model=response.model or self.model, usage=usage, cost_usd=float(billing.cost_usd),
                     billing=billing)

    def billing(self, response) -> Billing | None:
        """What the call was billed, priced as the model asked for (the price table's key), or None."""
        usage = getattr(response, "usage", None)
        return bill(self.model, usage, self._price) if usage_readable(usage) else None

    async def complete(self, prompt: Prompt, timeout_s: float | None = None) -> Draft:
        return self.draft(await self.reply(prompt.system, prompt.user, timeout_s), prompt.chunks)

    def draft(self, reply: Reply, chunks: list[RetrievedChunk]) -> Draft:
        answer = "" if reply.text == NOT_FOUND else reply.text
        citations = [cite(chunk, supporting_quote(answer, n, chunk)) for n, chunk in cited_chunks(answer, chunks)]
        return Draft(answer=answer, citations=citations, model=reply.model, usage=reply.usage, cost_usd=reply.cost_usd,
                     billing=reply.billing)

    async def generate(self, question: str, chunks: list[RetrievedChunk]) -> Draft:
        """The plain Generator interface: default prompt, the client's own timeout."""
        return await self.complete(render(template_for("default"), question, chunks))
