"""Finished spans in memory, for tests that assert what a trace holds.

The OpenTelemetry API allows one tracer provider per process: this adds an in-memory exporter to it (and
installs an SDK provider first when none is set), and stops recording when the block ends.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter


@contextmanager
def recorded_spans() -> Iterator[InMemorySpanExporter]:
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider()
        trace.set_tracer_provider(provider)
    exporter = InMemorySpanExporter()
    processor = SimpleSpanProcessor(exporter)
    provider.add_span_processor(processor)
    try:
        yield exporter
    finally:
        processor.shutdown()


def by_name(spans: tuple[ReadableSpan, ...]) -> dict[str, ReadableSpan]:
    """The spans by name; each name must occur once."""
    named = {span.name: span for span in spans}
    assert len(named) == len(spans), sorted(span.name for span in spans)
    return named


def parent_of(span: ReadableSpan, spans: dict[str, ReadableSpan]) -> str | None:
    """The name of the span's parent among `spans`, None for a root or a parent recorded elsewhere."""
    parent_id = span.parent.span_id if span.parent else None
    return next((name for name, other in spans.items() if other.context.span_id == parent_id), None)
