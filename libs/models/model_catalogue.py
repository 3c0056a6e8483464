"""What the generator must know per Claude model: its price, and which request settings it accepts.

Sources (platform.claude.com, 2026-11-26): the model pages and migration guides of Sonnet 5.5, Sonnet 5
and Opus 5, and the effort page's list of supported models. See ADR 0006, "2026-11-26 model migration".
"""

# USD per million tokens (input, output); thinking tokens are billed as output.
PRICES_PER_MTOK: dict[str, tuple[float, float]] = {
    "claude-sonnet-5-5": (2.0, 10.0),
    "claude-sonnet-5": (2.0, 10.0),
    "claude-sonnet-4-6": (3.0, 15.0),
    "claude-sonnet-4-5": (3.0, 15.0),
    "claude-haiku-4-5": (1.0, 5.0),
    "claude-opus-5": (5.0, 25.0),
    "claude-opus-4-1": (15.0, 75.0),
}

# Models that accept `output_config.effort`; the others answer it with a 400 (Haiku 4.5, Sonnet 4.5).
EFFORT_MODELS = frozenset({"claude-sonnet-5-5", "claude-sonnet-5", "claude-sonnet-4-6", "claude-opus-5"})

# Models that think unless told not to, and the `thinking.type` that turns up-front thinking off
# (Sonnet 5.5 refuses "disabled" with a 400 and takes "between_tools" instead).
THINKING_OFF = {"claude-sonnet-5-5": "between_tools", "claude-sonnet-5": "disabled", "claude-opus-5": "disabled"}


class UnpricedModel(ValueError):
    """A model the cost ledger cannot price: tenant budgets would be blind to it."""


def price_of(model: str, extra_prices: dict[str, tuple[float, float]] | None = None) -> tuple[float, float]:
    prices = {**PRICES_PER_MTOK, **(extra_prices or {})}
    if model not in prices:
        raise UnpricedModel(
            f"no price for model {model!r}: add it to PRICES_PER_MTOK in libs/models/model_catalogue.py "
            f"or set MODEL_PRICES_USD_PER_MTOK='{{\"{model}\": [input, output]}}'"
        )
    return prices[model]


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
