"""The retrieve service drops a tenant's BM25 index when it hears that one of the tenant's documents changed."""

from libs.contracts.documents import DocumentIngested
from libs.platform.broker import create_broker
from libs.platform.settings import KafkaSettings
from libs.retrieval.tenant_indexes import TenantLexicalIndexes
from libs.stores.chunks import Chunk
from services.retrieve.handlers import RetrieveHandlers
from services.retrieve.settings import RetrieveSettings


class Store:
    def __init__(self) -> None:
        self.chunks = [Chunk("a#1", "a", "acme", "a.md", "Part XK-4471-B is in bin 14.", 0),
                       Chunk("g#1", "g", "globex", "g.md", "Nightjar ships from Leeds.", 0)]
        self.loads: list[str] = []

    def tenant_chunks(self, tenant: str) -> list[Chunk]:
        self.loads.append(tenant)
        return [c for c in self.chunks if c.tenant == tenant]


def handlers_with(store: Store) -> RetrieveHandlers:
    handlers = RetrieveHandlers(create_broker(KafkaSettings(), "retrieve-test"))  # not connected
    handlers.lexical = TenantLexicalIndexes(store.tenant_chunks)
    handlers.lexical.search("acme", "bin", 5), handlers.lexical.search("globex", "leeds", 5)
    return handlers


def ingested(tenant: str) -> bytes:
    return DocumentIngested(request_id="r1", tenant=tenant, document_id="a", chunks_added=1, elapsed_ms=1.0).model_dump_json().encode()


async def test_an_ingest_event_rebuilds_only_its_tenant():
    store = Store()
    handlers = handlers_with(store)
    store.chunks.append(Chunk("a#2", "late", "acme", "late.md", "Widget QZ-9 is in bin 3.", 0))
    await handlers.on_document_changed(ingested("acme"))
    assert [hit.chunk.document_id for hit in handlers.lexical.search("acme", "QZ-9", 5)] == ["late"]
    handlers.lexical.search("globex", "leeds", 5)
    assert store.loads == ["acme", "globex", "acme"]


async def test_an_unreadable_event_rebuilds_every_tenant():
    store = Store()
    handlers = handlers_with(store)
    await handlers.on_document_changed(b'{"tenant": 42, "not": "an event"}')
    handlers.lexical.search("acme", "bin", 5), handlers.lexical.search("globex", "leeds", 5)
    assert store.loads == ["acme", "globex", "acme", "globex"]


async def test_an_event_before_start_up_finished_is_ignored():
    handlers = RetrieveHandlers(create_broker(KafkaSettings(), "retrieve-test"))
    await handlers.on_document_changed(ingested("acme"))  # no index yet: nothing to drop, no error


def test_settings_map_to_the_retrieval_configuration():
    settings = RetrieveSettings(lexical_search=False, dense_candidates=12, bm25_k1=1.2, bm25_stemming=True, focus_tokens=40)
    assert (settings.retrieval().lexical, settings.retrieval().dense_candidates, settings.retrieval().focus_tokens) == (False, 12, 40)
    assert (settings.bm25().k1, settings.bm25().stem) == (1.2, True)
