"""One BM25 index per tenant, so the tenant filter is part of the lexical search, never applied after it.

The store (Chroma) is the source of truth: an index is built from the tenant's stored chunks on first use,
and rebuilt on the next search after `invalidate(tenant)` (an ingest or deletion happened) or once it is
older than `max_age_s` (the safety net for a missed invalidation). The least recently used indexes are
dropped beyond `max_tenants`. Chunks the ingest injection scan flagged are left out of every index unless
`include_flagged` (ADR 0007). Safe to call from several threads.
"""

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from libs.platform import telemetry
from libs.platform.telemetry import tracer
from libs.retrieval.lexical import Bm25Config, LexicalIndex
from libs.stores.chunks import Chunk, ScoredChunk

LoadChunks = Callable[[str], list[Chunk]]


@dataclass(frozen=True)
class _Built:
    generation: tuple[int, int]
    built_at: float
    index: LexicalIndex


class TenantLexicalIndexes:
    def __init__(self, load: LoadChunks, config: Bm25Config = Bm25Config(), max_age_s: float = 300.0,
                 max_tenants: int = 256, clock: Callable[[], float] = time.monotonic, include_flagged: bool = False) -> None:
        self._load, self._config, self._max_age_s, self._max_tenants, self._clock = load, config, max_age_s, max_tenants, clock
        self._include_flagged = include_flagged
        self._built: OrderedDict[str, _Built] = OrderedDict()
        self._generations: dict[str, int] = {}
        self._epoch = 0
        self._lock = threading.Lock()
        self._build_locks: dict[str, threading.Lock] = {}
        self.builds = 0

    def invalidate(self, tenant: str) -> None:
        with self._lock:
            self._generations[tenant] = self._generations.get(tenant, 0) + 1

    def invalidate_all(self) -> None:
        with self._lock:
            self._epoch += 1

    def search(self, tenant: str, query: str, k: int, expand: bool = False) -> list[ScoredChunk]:
        return self.index_for(tenant).search(query, k, expand)

    def index_for(self, tenant: str) -> LexicalIndex:
        with self._build_lock(tenant):  # one build per tenant at a time; the others wait and reuse it
            if (fresh := self._fresh(tenant)) is not None:
                return fresh
            generation, started = self._generation(tenant), self._clock()
            index = self._build(tenant)
            self._store(tenant, _Built(generation, started, index))
            return index

    def _build(self, tenant: str) -> LexicalIndex:
        attributes = {telemetry.ATTR_TENANT: tenant}
        with tracer().start_as_current_span(telemetry.RETRIEVE_BM25_BUILD, attributes=attributes) as span:
            index = LexicalIndex(self._searchable(self._load(tenant)), self._config)
            span.set_attribute(telemetry.ATTR_CHUNKS, len(index.chunks))
            return index

    def _searchable(self, chunks: list[Chunk]) -> list[Chunk]:
        return chunks if self._include_flagged else [chunk for chunk in chunks if not chunk.injection_flagged]

    def _fresh(self, tenant: str) -> LexicalIndex | None:
        with self._lock:
            built = self._built.get(tenant)
            if built is None or built.generation != self._generation_locked(tenant):
                return None
            if self._clock() - built.built_at >= self._max_age_s:
                return None
            self._built.move_to_end(tenant)
            return built.index

    def _store(self, tenant: str, built: _Built) -> None:
        with self._lock:
            self.builds += 1
            self._built[tenant] = built
            self._built.move_to_end(tenant)
            while len(self._built) > self._max_tenants:
                self._built.popitem(last=False)

    def _generation(self, tenant: str) -> tuple[int, int]:
        with self._lock:
            return self._generation_locked(tenant)

    def _generation_locked(self, tenant: str) -> tuple[int, int]:
        return self._epoch, self._generations.get(tenant, 0)

    def _build_lock(self, tenant: str) -> threading.Lock:
        with self._lock:
            return self._build_locks.setdefault(tenant, threading.Lock())
