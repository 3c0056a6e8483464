"""Breakers per model, their state as a getter and an OpenTelemetry gauge, and how SDK errors are classified
(the errors come from the real SDK talking to the fake server)."""

import anthropic
import pybreaker
import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader

from libs.models.breakers import BREAKER_GAUGE, BreakerBoard, observe_breakers
from libs.models.model_errors import MalformedResponse, is_client_error, is_retryable, reason_code, retry_after_s
from libs.testing.fake_anthropic import FakeAnthropic
from libs.testing.fake_faults import Fault


def fail(board: BreakerBoard, model: str, error: Exception) -> None:
    with pytest.raises((type(error), pybreaker.CircuitBreakerError)):
        board.breaker(model).call(lambda: (_ for _ in ()).throw(error))


def gauge_points(reader: InMemoryMetricReader) -> dict[str, int]:
    metrics = [m for rm in reader.get_metrics_data().resource_metrics for sm in rm.scope_metrics for m in sm.metrics]
    (gauge,) = [m for m in metrics if m.name == BREAKER_GAUGE]
    return {point.attributes["model"]: point.value for point in gauge.data.data_points}


def test_each_model_has_its_own_breaker_and_the_states_are_readable():
    board = BreakerBoard(fail_max=2, reset_timeout_s=60)
    for _ in range(2):
        fail(board, "big", TimeoutError())
    board.breaker("small")
    assert board.states() == {"big": "open", "small": "closed"}
    assert board.breaker("big") is board.breaker("big")


def test_the_state_is_exposed_as_an_opentelemetry_gauge():
    reader = InMemoryMetricReader()
    board = BreakerBoard(fail_max=1, reset_timeout_s=60)
    observe_breakers(board, MeterProvider(metric_readers=[reader]).get_meter("test"))
    board.breaker("small")
    fail(board, "big", TimeoutError())
    assert gauge_points(reader) == {"big": 2, "small": 0}


async def sdk_error(fake: FakeAnthropic, kind: str | None) -> Exception:
    if kind:
        fake.inject(Fault(kind=kind, count=1, retry_after_s=2.5))
    client = anthropic.AsyncAnthropic(api_key="k", base_url=fake.base_url, max_retries=0, timeout=0.5)
    try:
        await client.messages.create(model="m", max_tokens=8, messages=[{"role": "user", "content": "hi"}])
    except Exception as error:
        return error
    raise AssertionError(f"{kind} did not fail")


@pytest.mark.parametrize(
    ("kind", "code", "retryable"),
    [("rate_limit", "rate_limited", True), ("overloaded", "overloaded", True), ("server_error", "server_error", True),
     ("hang", "timeout", True)],
)
async def test_sdk_errors_get_a_reason_code_and_a_retry_decision(fake, kind, code, retryable):
    error = await sdk_error(fake, kind)
    assert (reason_code(error), is_retryable(error), is_client_error(error)) == (code, retryable, False)
    assert retry_after_s(error) == (2.5 if kind == "rate_limit" else None)


async def test_a_refused_request_is_a_client_error_the_breaker_ignores():
    with FakeAnthropic(context_window=0) as tiny:
        error = await sdk_error(tiny, None)  # no fault: a 400, the prompt is too long
    assert (reason_code(error), is_retryable(error), is_client_error(error)) == ("api_error_400", False, True)
    board = BreakerBoard(fail_max=1)
    with pytest.raises(anthropic.BadRequestError):
        board.breaker("m").call(lambda: (_ for _ in ()).throw(error))
    assert board.states() == {"m": "closed"}


def test_malformed_and_unknown_failures_are_not_retried():
    assert (reason_code(MalformedResponse("x")), is_retryable(MalformedResponse("x"))) == ("malformed_response", False)
    assert (reason_code(RuntimeError()), is_retryable(RuntimeError())) == ("unexpected_error", False)
    assert reason_code(pybreaker.CircuitBreakerError()) == "breaker_open"
