"""What one Messages API call was billed: the `usage` it reported, priced exactly.

Costs are `Decimal`: tokens × USD per MTok / 10⁶ has at most a few more decimals than the price, so the
ledger (numeric(20, 12)) holds each call's cost exactly and a sum of rows equals usage × prices to the last
digit. Floats appear only where contracts carry them (`Draft.cost_usd`, `AnswerDrafted.cost_usd`).
"""

from dataclasses import dataclass
from decimal import Decimal

from libs.models.model_catalogue import Price

MILLION = Decimal(1_000_000)


@dataclass(frozen=True)
class Billing:
    model: str
    input_tokens: int = 0
    output_tokens: int = 0
    cache_write_tokens: int = 0  # usage.cache_creation_input_tokens
    cache_read_tokens: int = 0  # usage.cache_read_input_tokens
    cost_usd: Decimal = Decimal(0)


def tokens(usage, name: str) -> int:
    value = getattr(usage, name, None)
    return value if isinstance(value, int) else 0


def usage_readable(usage) -> bool:
    return isinstance(getattr(usage, "input_tokens", None), int)


def bill(model: str, usage, price: Price) -> Billing:
    """The cost of an SDK `usage` object (or anything with its fields) at `price`."""
    counts = {name: tokens(usage, field_name) for name, field_name in (
        ("input_tokens", "input_tokens"), ("output_tokens", "output_tokens"),
        ("cache_write_tokens", "cache_creation_input_tokens"), ("cache_read_tokens", "cache_read_input_tokens"))}
    per_mtok = (counts["input_tokens"] * usd(price.input) + counts["output_tokens"] * usd(price.output)
                + counts["cache_write_tokens"] * usd(price.cache_write)
                + counts["cache_read_tokens"] * usd(price.cache_read))
    return Billing(model, **counts, cost_usd=per_mtok / MILLION)


def usd(price: float) -> Decimal:
    """A price as written in the table (2.5, 0.1), not as its binary float (0.1000000000000000055...)."""
    return Decimal(repr(price))


def total_cost(billings) -> Decimal:
    return sum((b.cost_usd for b in billings), Decimal(0))
