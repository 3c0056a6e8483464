"""One trace per request across every Kafka hop, readable with `ragbus trace`."""

import asyncio
import urllib.request

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor

from libs.client.rag_client import RagClient
from libs.client.trace_view import service_edges, spans_of
from libs.contracts.documents import SubmitDocument
from libs.contracts.envelope import new_id
from libs.platform import telemetry
from libs.platform.sampling import is_sampled
from libs.platform.telemetry import JsonLinesSpanExporter, configure_tracing

pytestmark = pytest.mark.integration
EDGES = {("guardrail", "retrieve"), ("retrieve", "generate"), ("generate", "guardrail"), ("guardrail", "evaluate")}
RETRIEVAL_STEPS = {telemetry.RETRIEVE_DENSE: telemetry.RETRIEVE_SEARCH,
                   telemetry.RETRIEVE_EMBED: telemetry.RETRIEVE_DENSE,
                   telemetry.RETRIEVE_BM25: telemetry.RETRIEVE_SEARCH,
                   telemetry.RETRIEVE_FUSION: telemetry.RETRIEVE_SEARCH}
GUARDRAIL_CHECKS = {telemetry.GUARDRAIL_CHECK_PREFIX + "prompt_injection_semantic": telemetry.GUARDRAIL_SCREEN_QUESTION,
                    telemetry.GUARDRAIL_CHECK_PREFIX + "pii": telemetry.GUARDRAIL_SCREEN_QUESTION,
                    telemetry.GUARDRAIL_CHECK_PREFIX + "citations_retrieved": telemetry.GUARDRAIL_CHECK_ANSWER,
                    telemetry.GUARDRAIL_CHECK_PREFIX + "contradiction": telemetry.GUARDRAIL_CHECK_ANSWER}
WRITES = {("guardrail", "INSERT requests"), ("guardrail", "INSERT answers"), ("evaluate", "INSERT eval_scores")}


@pytest.fixture(scope="module")
def client_tracing(stack):
    """The edges a request's trace must hold, from this process (the client) on.

    The process has one tracer provider: "test-client" writing to the stack's span file, unless a unit
    test's span recorder installed one first; then the file is added to it, under that provider's name.
    """
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = configure_tracing("test-client", stack.config.trace_file, None)
    elif provider.resource.attributes.get("service.name") != "test-client":
        provider.add_span_processor(SimpleSpanProcessor(JsonLinesSpanExporter(stack.config.trace_file)))
    yield EDGES | {(provider.resource.attributes["service.name"], "guardrail")}
    provider.force_flush()


async def wait_for_trace(stack, request_id: str, complete, timeout_s: float = 15.0) -> list[dict]:
    """The request's spans once `complete(spans)` holds (spans arrive as each service flushes its batch)."""
    spans = []
    for _ in range(int(timeout_s * 10)):
        trace.get_tracer_provider().force_flush()
        spans = spans_of(stack.config.trace_file, request_id)
        if complete(spans):
            return spans
        await asyncio.sleep(0.1)
    return spans


def has_inner_spans(spans: list[dict]) -> bool:
    names = {(s["service"], s["name"]) for s in spans}
    return (WRITES <= names and {("retrieve", name) for name in RETRIEVAL_STEPS} <= names
            and {("guardrail", name) for name in GUARDRAIL_CHECKS} <= names)


def parent_names(spans: list[dict]) -> dict[str, tuple[str, str]]:
    """Each span's name → (its parent's service, its parent's name), for spans whose parent is in the trace."""
    by_id = {s["span_id"]: s for s in spans}
    return {s["name"]: (by_id[s["parent_id"]]["service"], by_id[s["parent_id"]]["name"])
            for s in spans if s["parent_id"] in by_id}


async def ask_sampled_question(stack, tenant: str):
    """A question the evaluator scores (its request id falls in the 50% sample), after one document is in."""
    request_id = next(rid for rid in (new_id() for _ in range(1000)) if is_sampled(rid, 0.5))
    async with RagClient(stack.config.bootstrap_servers) as rag:
        doc = SubmitDocument(request_id=new_id(), tenant=tenant, document_id="travel",
                             text="The hotel cap is 180 EUR per night.", source="travel.md")
        await rag.ingest(doc, timeout_s=60)
        return await rag.ask("What is the hotel cap per night?", tenant, timeout_s=30, request_id=request_id)


async def test_a_question_is_one_trace_from_the_client_to_the_evaluator(stack, tenant, client_tracing):
    answer = await ask_sampled_question(stack, tenant)

    spans = await wait_for_trace(stack, answer.request_id, lambda found: client_tracing <= set(service_edges(found)))
    assert client_tracing <= set(service_edges(spans)), service_edges(spans)
    assert {s["trace_id"] for s in spans} == {answer.trace_id}


async def test_retrieval_steps_guardrail_checks_and_postgres_writes_are_child_spans_in_the_request_trace(stack, tenant, client_tracing):
    answer = await ask_sampled_question(stack, tenant)

    spans = await wait_for_trace(stack, answer.request_id, has_inner_spans)
    assert {s["trace_id"] for s in spans} == {answer.trace_id}
    parents = parent_names(spans)
    assert parents[telemetry.RETRIEVE_SEARCH][0] == "retrieve", parents  # under retrieve's consume span
    for step, parent in RETRIEVAL_STEPS.items():
        assert parents.get(step) == ("retrieve", parent), (step, parents)
    for check, stage in GUARDRAIL_CHECKS.items():
        assert parents.get(check) == ("guardrail", stage), (check, parents)
    semantic = next(s["attributes"] for s in spans if s["name"] == telemetry.GUARDRAIL_CHECK_PREFIX + "prompt_injection_semantic")
    assert semantic[telemetry.ATTR_DECISION] == "passed" and semantic[telemetry.ATTR_SCORE] < semantic[telemetry.ATTR_THRESHOLD]
    for service, write in WRITES:
        assert parents.get(write, ("",))[0] == service, (write, parents)  # a child inside the service that wrote
    dense = next(s["attributes"] for s in spans if s["name"] == telemetry.RETRIEVE_DENSE)
    assert dense["ragbus.tenant"] == tenant and dense["ragbus.retrieval.candidates_returned"] >= 1
    write = next(s for s in spans if s["name"] == "INSERT requests")
    assert write["kind"] == "CLIENT" and write["attributes"]["db.system.name"] == "postgresql"
    assert not any("hotel cap" in str(value) for s in spans for value in s["attributes"].values())


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
