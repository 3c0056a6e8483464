"""Every ragbus metric name, unit and meaning in one place; instruments are created lazily from the global meter.

Exported for Prometheus on each service's health port at /metrics (OpenTelemetry → prometheus_client).
"""

from functools import cache

from opentelemetry import metrics

METER_NAME = "ragbus"

STAGE_DURATION = ("ragbus.stage.duration", "ms", "Time a stage spent on one message, by group, topic and outcome.")
MESSAGES_DEAD_LETTERED = ("ragbus.messages.dead_lettered", "1", "Messages parked on the dead-letter topic, by group and reason.")
ANSWERS_COMPLETED = ("ragbus.answers.completed", "1", "Final answers, by status, reason and tenant.")
ANSWER_LATENCY = ("ragbus.answer.duration", "ms", "End-to-end time from question to final answer, by status.")
MODEL_TOKENS = ("ragbus.model.tokens", "1", "Model tokens, by model, direction (input/output), tenant and variant.")
MODEL_COST = ("ragbus.model.cost", "USD", "Model cost, by model, tenant and variant.")
GENERATION_RUNG = ("ragbus.generation.rung", "1", "Drafts served, by fallback-ladder rung and reason.")
CACHE_LOOKUPS = ("ragbus.cache.lookups", "1", "Generation cache lookups, by result (hit/miss).")
BREAKER_STATE = ("ragbus.breaker.state", "1", "Circuit breaker state per model: 0 closed, 1 half-open, 2 open.")
GUARDRAIL_DECISIONS = ("ragbus.guardrail.decisions", "1", "Guardrail checks, by check and outcome.")
EVAL_SCORE = ("ragbus.eval.score", "1", "Online evaluation scores, by metric, judge and variant.")
CONSUMER_LAG = ("ragbus.consumer.lag", "1", "Messages not yet consumed, by group and topic.")


@cache
def meter() -> metrics.Meter:
    return metrics.get_meter(METER_NAME)


@cache
def counter(spec: tuple[str, str, str]) -> metrics.Counter:
    name, unit, description = spec
    return meter().create_counter(name, unit=unit, description=description)


@cache
def histogram(spec: tuple[str, str, str]) -> metrics.Histogram:
    name, unit, description = spec
    return meter().create_histogram(name, unit=unit, description=description)


@cache
def gauge(spec: tuple[str, str, str]):
    name, unit, description = spec
    return meter().create_gauge(name, unit=unit, description=description)
