"""Which calls the fake Anthropic server spoils, and how: for the next N calls or at a seeded rate."""

import random
import threading
from dataclasses import dataclass

# fault kind -> (HTTP status, Anthropic error type), as the real API reports them
ERROR_STATUS = {
    "rate_limit": (429, "rate_limit_error"),
    "overloaded": (529, "overloaded_error"),
    "server_error": (500, "api_error"),
}
KINDS = (*ERROR_STATUS, "slow", "hang", "malformed", "missing_fields", "off_format")


@dataclass
class Fault:
    kind: str
    count: int | None = None  # spoil the next `count` matching calls...
    rate: float = 1.0  # ...or, without a count, each matching call with this probability
    model: str | None = None  # only calls for this model (None: every model)
    retry_after_s: float = 1.0  # rate_limit: the retry-after header
    delay_s: float = 1.0  # slow: answer after this long

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; one of {KINDS}")


class FaultPlan:
    """Faults in the order they were added; the first one that fires for a call decides it."""

    def __init__(self, seed: int = 0) -> None:
        self._faults: list[Fault] = []
        self._random = random.Random(seed)
        self._lock = threading.Lock()

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def faults(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def pick(self, model: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if self._fires(fault, model):
                    return fault
            return None

    def _fires(self, fault: Fault, model: str) -> bool:
        if fault.model is not None and fault.model != model:
            return False
        if fault.count is not None:
            if fault.count <= 0:
                return False
            fault.count -= 1
            return True
        return self._random.random() < fault.rate


def mixed_faults(rate: float, retry_after_s: float = 0.2, delay_s: float = 0.5, hangs: bool = False) -> list[Fault]:
    """Faults of every non-hanging kind (and hangs, if asked) that together spoil about `rate` of the calls."""
    kinds = ("rate_limit", "overloaded", "server_error", "slow", "malformed", *(("hang",) if hangs else ()))
    faults = []
    for n, kind in enumerate(kinds):  # each later fault only sees calls the earlier ones let through
        share = rate / len(kinds) / (1 - rate * n / len(kinds))
        faults.append(Fault(kind=kind, rate=share, retry_after_s=retry_after_s, delay_s=delay_s))
    return faults
