"""Which prompt variant a request gets: a sticky percentage split, configured as text ("concise=10,terse=5").

Each request falls at a stable point in [0, 100) from a hash of its sticky key (request id or tenant, ADR 0006);
the variants take consecutive ranges in the order written, the rest gets the default. A request that asked for
a variant other than the default keeps it. Raising a share keeps everyone already in the variant there (the
ranges grow at their end); a share of 0, or an empty split, is the rollback.
"""

import hashlib
from dataclasses import dataclass, field
from typing import Literal

from libs.models.prompts import DEFAULT_VARIANT

SALT = b"ragbus.prompt-variant-split:"  # not the evaluation's sampling hash: the sampled answers span every variant
StickyBy = Literal["request", "tenant"]


@dataclass(frozen=True)
class VariantSplit:
    percent: dict[str, float] = field(default_factory=dict)  # variant → share of traffic, in order
    by: StickyBy = "request"

    def assign(self, requested: str, sticky_key: str) -> str:
        if requested != DEFAULT_VARIANT:
            return requested
        point, upper = split_point(sticky_key), 0.0
        for variant, share in self.percent.items():
            upper += share
            if point < upper:
                return variant
        return DEFAULT_VARIANT


def split_point(sticky_key: str) -> float:
    """A stable number in [0, 100) for the key."""
    digest = hashlib.sha256(SALT + sticky_key.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 * 100


def parse_split(text: str) -> dict[str, float]:
    """ "concise=10, terse=2.5" → {"concise": 10.0, "terse": 2.5}; empty → {}.

    Raises ValueError saying what is wrong."""
    percent: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, sep, share = (s.strip() for s in part.partition("="))
        if not sep or not name:
            raise ValueError(f"{part!r}: write variant=percent, e.g. concise=10")
        if name == DEFAULT_VARIANT or name in percent:
            raise ValueError(f"{part!r}: {name!r} is the default (it gets the rest) or named twice")
        try:
            percent[name] = float(share)
        except ValueError:
            raise ValueError(f"{part!r}: {share!r} is not a number") from None
        if not 0 <= percent[name] <= 100:
            raise ValueError(f"{part!r}: a share is a percentage between 0 and 100")
    if sum(percent.values()) > 100:
        raise ValueError(f"the shares add up to {sum(percent.values())}%, more than 100%")
    return percent
