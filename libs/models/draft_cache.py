"""Drafts already paid for: an exact-match cache keyed on the tenant, the prompt (id and version), the model,
the normalised question and a hash of the packed context.

`DraftCache` is the interface (async): `TtlLruCache` in process, `libs.stores.response_cache` in PostgreSQL
(shared by replicas, survives restarts; ADR 0006). `GuardedCache` makes any store's failure a miss.
"""

import asyncio
import hashlib
import json
import re
import time
import unicodedata
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

import structlog

from libs.contracts.questions import RetrievedChunk
from libs.models.prompts import PromptTemplate

Value = TypeVar("Value")
log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class CacheKey:
    tenant: str
    prompt: str  # template label, "default@v1"
    model: str  # the model asked first
    question: str  # normalised
    context_sha256: str

    @property
    def digest(self) -> str:
        parts = [self.tenant, self.prompt, self.model, self.question, self.context_sha256]
        material = json.dumps(parts, ensure_ascii=False)
        return hashlib.sha256(material.encode("utf-8")).hexdigest()


def normalise_question(question: str) -> str:
    """Case, Unicode forms, runs of whitespace and closing punctuation do not make a different question."""
    folded = unicodedata.normalize("NFKC", question).casefold()
    return re.sub(r"\s+", " ", folded).strip().rstrip("?!.。？！ ")


def context_sha256(chunks: list[RetrievedChunk]) -> str:
    """The packed chunks in prompt order, with their ids: cached citations point at these chunks."""
    material = json.dumps([[c.chunk_id, c.source, c.text] for c in chunks], ensure_ascii=False)
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def cache_key(tenant: str, template: PromptTemplate, model: str, question: str,
              packed: list[RetrievedChunk]) -> CacheKey:
    return CacheKey(tenant, template.label, model, normalise_question(question), context_sha256(packed))


class DraftCache(Protocol[Value]):
    async def get(self, key: CacheKey) -> Value | None: ...

    async def put(self, key: CacheKey, value: Value) -> None: ...


class TtlLruCache(Generic[Value]):
    """In-process LRU with a time to live; `clock` is injectable so expiry is testable without sleeping."""

    def __init__(self, max_entries: int = 1024, ttl_s: float = 600.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._entries: OrderedDict[Hashable, tuple[float, Value]] = OrderedDict()
        self._max_entries = max_entries
        self._ttl_s = ttl_s
        self._clock = clock

    async def get(self, key: Hashable) -> Value | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        stored_at, value = entry
        if self._clock() - stored_at > self._ttl_s:
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return value

    async def put(self, key: Hashable, value: Value) -> None:
        self._entries[key] = (self._clock(), value)
        self._entries.move_to_end(key)
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)


class NoCache(Generic[Value]):
    """Every lookup misses: before the PostgreSQL cache is open, and where nothing may be cached."""

    async def get(self, key: CacheKey) -> Value | None:
        return None

    async def put(self, key: CacheKey, value: Value) -> None:
        return None

    def __len__(self) -> int:
        return 0


class GuardedCache(Generic[Value]):
    """A cache is an optimisation: a store that fails or is slow is a miss (logged), never a failed request."""

    def __init__(self, store: DraftCache[Value], timeout_s: float = 0.5) -> None:
        self.store = store
        self._timeout_s = timeout_s

    async def get(self, key: CacheKey) -> Value | None:
        try:
            async with asyncio.timeout(self._timeout_s):
                return await self.store.get(key)
        except Exception as error:
            log.error("draft cache unreadable, treated as a miss", error=repr(error)[:300])
            return None

    async def put(self, key: CacheKey, value: Value) -> None:
        try:
            async with asyncio.timeout(self._timeout_s):
                await self.store.put(key, value)
        except Exception as error:
            log.error("draft not cached", error=repr(error)[:300])
