"""A span per guardrail check, under the stage's span: which check, its score and threshold, and the decision.

Names in `libs/platform/telemetry.py`. A span never holds the question, the answer or a check's detail (details
summarise, but a trace is not the place to find out they always will): a check that raised records its error type.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from opentelemetry.semconv.attributes.error_attributes import ERROR_TYPE
from opentelemetry.trace import Span, Status, StatusCode

from libs.contracts.questions import CheckResult
from libs.platform import telemetry
from libs.platform.telemetry import tracer
from services.guardrail import service
from services.guardrail.measures import outcome_of

Record = Callable[[CheckResult], CheckResult]


@contextmanager
def check_span(check: str) -> Iterator[Record]:
    """`with check_span("pii") as record: ... record(result)`: the span lasts as long as the check's work."""
    name = telemetry.GUARDRAIL_CHECK_PREFIX + check
    with tracer().start_as_current_span(name, attributes={telemetry.ATTR_CHECK: check}) as span:
        yield lambda result: _record(span, result)


def traced(check: str, run: Callable[[], CheckResult]) -> CheckResult:
    with check_span(check) as record:
        return record(run())


def check_attributes(result: CheckResult) -> dict:
    """The decision is the metric's outcome label (`measures.outcome_of`), so a span and a counter always agree."""
    attributes = {telemetry.ATTR_CHECK: result.check, telemetry.ATTR_DECISION: outcome_of(result)}
    if result.score is not None:
        attributes[telemetry.ATTR_SCORE] = result.score
    if result.threshold is not None:
        attributes[telemetry.ATTR_THRESHOLD] = result.threshold
    return attributes


def _record(span: Span, result: CheckResult) -> CheckResult:
    span.set_attributes(check_attributes(result))
    if service.is_error(result):
        span.set_attribute(ERROR_TYPE, result.detail.removeprefix(service.ERROR_PREFIX))
        span.set_status(Status(StatusCode.ERROR))
    return result
