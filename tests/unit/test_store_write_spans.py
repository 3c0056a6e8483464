"""Every PostgreSQL write is a client span named after the database conventions; nothing it wrote is recorded."""

import pytest
from opentelemetry.trace import SpanKind, StatusCode

from libs.platform.telemetry import tracer
from libs.stores.postgres import write_span
from libs.testing.spans import by_name, parent_of, recorded_spans


class DataError(Exception):
    """Like asyncpg's, whose message can quote the value it could not encode."""


def test_a_write_is_a_client_span_under_the_current_one():
    with recorded_spans() as exporter:
        with tracer().start_as_current_span("guardrail.check_answer"), write_span("INSERT", "answers"):
            pass
        spans = by_name(exporter.get_finished_spans())

    write = spans["INSERT answers"]
    assert parent_of(write, spans) == "guardrail.check_answer"
    assert write.kind is SpanKind.CLIENT
    assert dict(write.attributes) == {"db.system.name": "postgresql", "db.operation.name": "INSERT",
                                      "db.collection.name": "answers", "db.query.summary": "INSERT answers"}


def test_a_batch_write_says_how_many_rows_it_sent():
    with recorded_spans() as exporter:
        with write_span("INSERT", "human_labels", batch_size=12):
            pass
    assert exporter.get_finished_spans()[0].attributes["db.operation.batch.size"] == 12


def test_a_failed_write_records_the_error_type_and_never_its_message():
    with recorded_spans() as exporter:
        with pytest.raises(DataError), write_span("INSERT", "requests"):
            raise DataError("invalid input for query argument $3: 'ann@example.com' (expected int)")
        (span,) = exporter.get_finished_spans()

    assert span.status.status_code is StatusCode.ERROR
    assert span.status.description == "DataError" and span.attributes["error.type"] == "DataError"
    assert span.events == ()  # no exception event: its message would carry the value
    assert "example.com" not in repr(dict(span.attributes))
