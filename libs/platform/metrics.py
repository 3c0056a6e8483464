"""Every ragbus metric name, unit and meaning in one place; instruments are created lazily from the global meter.

Exported for Prometheus on each service's health port at /metrics (OpenTelemetry → prometheus_client).
Recorded where they happen: stages (libs/platform/stage.py, dead_letters.py), consumer lag
(libs/platform/consumer_lag.py), answers and checks (services/guardrail/measures.py), generation
(services/generate/measures.py, libs/models/breakers.py), eval scores (services/evaluate/handlers.py).
Labels are bounded: tenants, variants, models, status and reason codes; never request ids or text.
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
GUARDRAIL_DECISIONS = ("ragbus.guardrail.decisions", "1", "Guardrail checks, by stage (input/output), check and outcome (passed/failed/error).")
EVAL_SCORE = ("ragbus.eval.score", "1", "Online evaluation scores, by metric, judge and variant.")
CONSUMER_LAG = ("ragbus.consumer.lag", "1", "Messages not yet consumed, by group and topic.")

# Histogram buckets other than the SDK's default (0 .. 10 000, fit for milliseconds): scores live in 0..1.
BUCKETS = {EVAL_SCORE: (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1.0)}


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
    return meter().create_histogram(name, unit=unit, description=description,
                                    explicit_bucket_boundaries_advisory=BUCKETS.get(spec))


@cache
def gauge(spec: tuple[str, str, str]):
    name, unit, description = spec
    return meter().create_gauge(name, unit=unit, description=description)
