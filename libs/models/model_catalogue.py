"""What the generator must know per Claude model: its price, and which request settings it accepts.

Sources (platform.claude.com, 2026-11-26): the model pages and migration guides of Sonnet 5.5, Sonnet 5
and Opus 5, the effort page's list of supported models and the pricing page. See ADR 0006, "2026-11-26
model migration" and "2026-11-26 every billed attempt in the ledger".
"""

from typing import NamedTuple


class Price(NamedTuple):
    """USD per million tokens. Thinking tokens are billed as output. Cache writes are the 5-minute rate (the
    only one the project could cause: it never asks for a 1-hour cache)."""

    input: float
    output: float
    cache_write: float
    cache_read: float


def priced(input_usd: float, output_usd: float, cache_write: float | None = None,
           cache_read: float | None = None) -> Price:
    """A price; without cache prices, the API's usual ones: writes 1.25 × input, reads 0.1 × input."""
    return Price(input_usd, output_usd, round(input_usd * 1.25, 6) if cache_write is None else cache_write,
                 round(input_usd * 0.1, 6) if cache_read is None else cache_read)


PRICES_PER_MTOK: dict[str, Price] = {
    "claude-sonnet-5-5": Price(2.0, 10.0, 2.5, 0.10),  # cache reads cut from 0.20 on 2026-10-07
    "claude-sonnet-5": Price(2.0, 10.0, 2.5, 0.20),
    "claude-sonnet-4-6": Price(3.0, 15.0, 3.75, 0.30),
    "claude-sonnet-4-5": Price(3.0, 15.0, 3.75, 0.30),
    "claude-haiku-4-5": Price(1.0, 5.0, 1.25, 0.10),
    "claude-opus-5": Price(5.0, 25.0, 6.25, 0.50),
    "claude-opus-4-1": Price(15.0, 75.0, 18.75, 1.50),
}

# Models that accept `output_config.effort`; the others answer it with a 400 (Haiku 4.5, Sonnet 4.5).
EFFORT_MODELS = frozenset({"claude-sonnet-5-5", "claude-sonnet-5", "claude-sonnet-4-6", "claude-opus-5"})

# Models that think unless told not to, and the `thinking.type` that turns up-front thinking off
# (Sonnet 5.5 refuses "disabled" with a 400 and takes "between_tools" instead).
THINKING_OFF = {"claude-sonnet-5-5": "between_tools", "claude-sonnet-5": "disabled", "claude-opus-5": "disabled"}

ExtraPrices = dict[str, tuple[float, ...]]  # model -> [input, output] or [input, output, cache write, cache read]


class UnpricedModel(ValueError):
    """A model the cost ledger cannot price: tenant budgets would be blind to it."""


def model_price(model: str, extra_prices: ExtraPrices | None = None) -> Price:
    """The model's full price: the table's, or one given in settings (two or four numbers)."""
    if extra_prices and model in extra_prices:
        values = tuple(extra_prices[model])
        if len(values) not in (2, 4):
            raise ValueError(f"price of {model!r} needs 2 or 4 numbers (input, output[, cache write, cache read])")
        return priced(*values)
    if model not in PRICES_PER_MTOK:
        raise UnpricedModel(
            f"no price for model {model!r}: add it to PRICES_PER_MTOK in libs/models/model_catalogue.py "
            f"or set MODEL_PRICES_USD_PER_MTOK='{{\"{model}\": [input, output]}}'"
        )
    return PRICES_PER_MTOK[model]


def price_of(model: str, extra_prices: ExtraPrices | None = None) -> tuple[float, float]:
    """(input, output) USD per million tokens, for estimates that ignore prompt caching (the cost model)."""
    price = model_price(model, extra_prices)
    return price.input, price.output


def request_options(model: str, answer_tokens: int, thinking_tokens: int = 0, effort: str | None = None) -> dict:
    """`max_tokens`, `output_config` and `thinking` for one answer, holding only what `model` accepts.

    Thinking tokens count toward `max_tokens`, so a model that thinks gets `thinking_tokens` on top of the
    answer's; with `thinking_tokens` 0 its up-front thinking is turned off instead.
    """
    options: dict = {"max_tokens": answer_tokens}
    if effort and model in EFFORT_MODELS:
        options["output_config"] = {"effort": effort}
    if model in THINKING_OFF:
        if thinking_tokens:
            options["max_tokens"] += thinking_tokens
        else:
            options["thinking"] = {"type": THINKING_OFF[model]}
    return options
