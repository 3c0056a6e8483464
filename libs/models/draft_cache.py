"""Drafts already paid for: the same tenant, variant, question and retrieved chunks get the same draft.

`DraftCache` is the interface (async, so a Redis adapter can replace the in-process one).
"""

import hashlib
import json
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Generic, Protocol, TypeVar

Value = TypeVar("Value")


def cache_key(tenant: str, variant: str, question: str, chunk_ids: Sequence[str]) -> str:
    material = json.dumps([tenant, variant, question, list(chunk_ids)], ensure_ascii=False)
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


class DraftCache(Protocol[Value]):
    async def get(self, key: str) -> Value | None: ...

    async def put(self, key: str, value: Value) -> None: ...


class TtlLruCache(Generic[Value]):
    """In-process LRU with a time to live; `clock` is injectable so expiry is testable without sleeping."""

    def __init__(self, max_entries: int = 1024, ttl_s: float = 600.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._entries: OrderedDict[str, tuple[float, Value]] = OrderedDict()
        self._max_entries = max_entries
        self._ttl_s = ttl_s
        self._clock = clock

    async def get(self, key: str) -> Value | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        stored_at, value = entry
        if self._clock() - stored_at > self._ttl_s:
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return value

    async def put(self, key: str, value: Value) -> None:
        self._entries[key] = (self._clock(), value)
        self._entries.move_to_end(key)
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)
