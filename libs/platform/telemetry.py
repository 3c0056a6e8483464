"""One tracer setup per process. Spans go to a JSON-lines file (local) and/or an OTLP collector."""

import json
import threading
from pathlib import Path
from typing import Sequence

from opentelemetry import metrics, trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult

TRACER_NAME = "ragbus"

# Span names and attributes of the work inside a service (the Kafka hop spans are faststream's).
RETRIEVE_SEARCH = "retrieve.search"  # the stage: the whole hybrid retrieval of one question
RETRIEVE_EMBED = "retrieve.embed_query"  # the embedding model on the query
RETRIEVE_DENSE = "retrieve.dense_search"  # the vector store's k nearest (holds the embedding)
RETRIEVE_BM25 = "retrieve.bm25_search"  # the tenant's BM25 index
RETRIEVE_BM25_BUILD = "retrieve.bm25_build"  # the tenant's BM25 index (re)built from the store
RETRIEVE_FUSION = "retrieve.fusion"  # merge the rankings and rerank to k
ATTR_TENANT = "ragbus.tenant"
ATTR_K = "ragbus.retrieval.k"
ATTR_CANDIDATES_REQUESTED = "ragbus.retrieval.candidates_requested"
ATTR_CANDIDATES_RETURNED = "ragbus.retrieval.candidates_returned"
ATTR_CANDIDATES = "ragbus.retrieval.candidates"  # distinct chunks the fusion ranked
ATTR_CHUNKS = "ragbus.chunks"
# The guardrail (`services/guardrail/spans.py`): a span per stage, holding a span per check named by the check
# (`guardrail.check.pii`, `guardrail.check.grounding`, ...). Never the question, the answer or a check's detail.
GUARDRAIL_SCREEN_QUESTION = "guardrail.screen_question"  # the input stage
GUARDRAIL_CHECK_ANSWER = "guardrail.check_answer"  # the output stage and the low-confidence decision
GUARDRAIL_CHECK_PREFIX = "guardrail.check."  # + the check's name, as in CheckResult.check
GUARDRAIL_LOW_CONFIDENCE = "guardrail.check.low_confidence_retry"  # abstain now, or retrieve again wider
ATTR_CHECK = "ragbus.check"  # the check's name
ATTR_SCORE = "ragbus.score"  # omitted when the check has none (it raised)
ATTR_THRESHOLD = "ragbus.threshold"  # omitted when the check has none
ATTR_DECISION = "ragbus.decision"  # checks: passed | failed | error, as the metric; low confidence: retry | abstain
ATTR_GUARDRAIL_REASON = "ragbus.guardrail.reason"  # the stage's reason code ("" when it let the request through)
ATTR_RETRY_WITHHELD = "ragbus.retry.withheld_by"  # why a low-confidence abstention stands
DECISION_RETRY, DECISION_ABSTAIN = "retry", "abstain"
# PostgreSQL writes (`libs.stores.postgres.write_span`) and the query embedding carry the OpenTelemetry
# semantic conventions' attributes, imported from opentelemetry-semantic-conventions, not retyped.


class JsonLinesSpanExporter(SpanExporter):
    """Appends each finished span as one JSON line, so `ragbus trace` can read them without a server."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._path = path
        self._lock = threading.Lock()

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        lines = [json.dumps(span_record(span), default=_printable) for span in spans]
        with self._lock, self._path.open("a", encoding="utf-8") as file:
            file.write("\n".join(lines) + "\n")
        return SpanExportResult.SUCCESS


def _printable(value: object) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def span_record(span: ReadableSpan) -> dict:
    """The fields `ragbus trace` shows, flat and JSON-safe."""
    return {
        "trace_id": format(span.context.trace_id, "032x"),
        "span_id": format(span.context.span_id, "016x"),
        "parent_id": format(span.parent.span_id, "016x") if span.parent else None,
        "name": span.name,
        "service": span.resource.attributes.get("service.name", ""),
        "kind": span.kind.name,
        "start_ns": span.start_time,
        "end_ns": span.end_time,
        "status": span.status.status_code.name,
        "attributes": dict(span.attributes or {}),
        "links": [format(link.context.trace_id, "032x") for link in span.links],
    }


def configure_tracing(service: str, trace_file: Path | None, otlp_endpoint: str | None) -> TracerProvider:
    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    if trace_file:
        provider.add_span_processor(BatchSpanProcessor(JsonLinesSpanExporter(trace_file), schedule_delay_millis=500))
    if otlp_endpoint:
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=otlp_endpoint, insecure=True)))
    trace.set_tracer_provider(provider)
    return provider


def configure_metrics(service: str) -> MeterProvider:
    """Metrics for Prometheus scraping: the reader registers with prometheus_client's default registry."""
    from opentelemetry.exporter.prometheus import PrometheusMetricReader

    provider = MeterProvider(resource=Resource.create({"service.name": service}), metric_readers=[PrometheusMetricReader()])
    metrics.set_meter_provider(provider)
    return provider


def tracer() -> trace.Tracer:
    return trace.get_tracer(TRACER_NAME)


def current_trace_id() -> str:
    span_context = trace.get_current_span().get_span_context()
    return format(span_context.trace_id, "032x") if span_context.is_valid else ""


def read_spans(trace_file: Path) -> list[dict]:
    if not trace_file.exists():
        return []
    return [json.loads(line) for line in trace_file.read_text(encoding="utf-8").splitlines() if line.strip()]
