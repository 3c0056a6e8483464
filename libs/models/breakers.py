"""One pybreaker circuit breaker per model, with state changes logged and readable as a metric.

`BreakerBoard.states()` is the getter; `observe_breakers` exposes it as an OpenTelemetry gauge
(0 closed, 1 half-open, 2 open) on whatever MeterProvider the process configured.
"""

import pybreaker
import structlog
from opentelemetry import metrics

from libs.models.model_errors import is_client_error
from libs.platform.metrics import BREAKER_STATE

log = structlog.get_logger(__name__)
STATE_VALUES = {pybreaker.STATE_CLOSED: 0, pybreaker.STATE_HALF_OPEN: 1, pybreaker.STATE_OPEN: 2}
BREAKER_GAUGE = BREAKER_STATE[0]


class LoggedStateChanges(pybreaker.CircuitBreakerListener):
    def state_change(self, cb: pybreaker.CircuitBreaker, old_state, new_state) -> None:
        log.warning(
            "circuit breaker state changed",
            model=cb.name,
            old_state=old_state.name if old_state else None,
            new_state=new_state.name,
            failures=cb.fail_counter,
        )


class BreakerBoard:
    """Breakers by model name, created on first use with the same settings."""

    def __init__(self, fail_max: int = 5, reset_timeout_s: float = 30.0) -> None:
        self._fail_max = fail_max
        self._reset_timeout_s = reset_timeout_s
        self._breakers: dict[str, pybreaker.CircuitBreaker] = {}

    def breaker(self, model: str) -> pybreaker.CircuitBreaker:
        if model not in self._breakers:
            self._breakers[model] = pybreaker.CircuitBreaker(
                fail_max=self._fail_max,
                reset_timeout=self._reset_timeout_s,
                exclude=[is_client_error],
                listeners=[LoggedStateChanges()],
                name=model,
                throw_new_error_on_trip=False,  # the call that trips it reports its own error
            )
        return self._breakers[model]

    def states(self) -> dict[str, str]:
        """Current state by model: "closed", "open" or "half-open" (an open one past its timeout still reads open)."""
        return {model: breaker.current_state for model, breaker in self._breakers.items()}


def observe_breakers(board: BreakerBoard, meter: metrics.Meter | None = None) -> None:
    def observe(_options):
        return [metrics.Observation(STATE_VALUES[state], {"model": model}) for model, state in board.states().items()]

    (meter or metrics.get_meter("ragbus")).create_observable_gauge(
        BREAKER_GAUGE, callbacks=[observe], description="Circuit breaker state per model: 0 closed, 1 half-open, 2 open."
    )
