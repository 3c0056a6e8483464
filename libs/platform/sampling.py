"""Deterministic sampling by request id: a redelivered message gets the same decision every time."""

import hashlib


def sample_point(request_id: str) -> float:
    """A stable number in [0, 1) for the request id."""
    digest = hashlib.sha256(request_id.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def is_sampled(request_id: str, rate: float) -> bool:
    return sample_point(request_id) < rate
