"""One trace per request across every Kafka hop, readable with `ragbus trace`."""

import asyncio
import urllib.request

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider

from libs.client.rag_client import RagClient
from libs.client.trace_view import service_edges, spans_of
from libs.contracts.documents import SubmitDocument
from libs.contracts.envelope import new_id
from libs.platform.sampling import is_sampled
from libs.platform.telemetry import configure_tracing

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def client_tracing(stack):
    if not isinstance(trace.get_tracer_provider(), TracerProvider):
        configure_tracing("test-client", stack.config.trace_file, None)
    yield trace.get_tracer_provider()
    trace.get_tracer_provider().force_flush()


async def wait_for_edges(stack, request_id: str, wanted: set, timeout_s: float = 15.0) -> list:
    edges = []
    for _ in range(int(timeout_s * 10)):
        trace.get_tracer_provider().force_flush()
        edges = service_edges(spans_of(stack.config.trace_file, request_id))
        if wanted <= set(edges):
            return edges
        await asyncio.sleep(0.1)
    return edges


async def test_a_question_is_one_trace_from_the_client_to_the_evaluator(stack, tenant, client_tracing):
    request_id = next(rid for rid in (new_id() for _ in range(1000)) if is_sampled(rid, 0.5))
    async with RagClient(stack.config.bootstrap_servers) as rag:
        doc = SubmitDocument(request_id=new_id(), tenant=tenant, document_id="travel",
                             text="The hotel cap is 180 EUR per night.", source="travel.md")
        await rag.ingest(doc, timeout_s=60)
        answer = await rag.ask("What is the hotel cap per night?", tenant, timeout_s=30, request_id=request_id)

    wanted = {("test-client", "guardrail"), ("guardrail", "retrieve"), ("retrieve", "generate"),
              ("generate", "guardrail"), ("guardrail", "evaluate")}
    edges = await wait_for_edges(stack, request_id, wanted)
    assert wanted <= set(edges), edges
    spans = spans_of(stack.config.trace_file, request_id)
    assert {s["trace_id"] for s in spans} == {answer.trace_id}


async def test_every_service_exports_metrics_for_prometheus(stack, tenant):
    async with RagClient(stack.config.bootstrap_servers) as rag:
        await rag.ask("Anything at all?", tenant, timeout_s=30)
    for name in stack.services:
        with urllib.request.urlopen(f"http://127.0.0.1:{stack.config.health_ports[name]}/metrics", timeout=5) as response:
            body = response.read().decode()
        assert "# TYPE" in body, name
    with urllib.request.urlopen(f"http://127.0.0.1:{stack.config.health_ports['retrieve']}/metrics", timeout=5) as response:
        body = response.read().decode()
    assert 'ragbus_stage_duration' in body and 'group="retrieve"' in body
