"""One structlog JSON setup for ragbus and library logs alike; every line carries the trace and span id.

Questions, answers and keys are not logged. Two guards keep it so: libraries that log request bodies at
debug level (the Anthropic SDK logs each prompt as "Request options") are held at WARNING whatever
LOG_LEVEL says, and every rendered line has e-mail addresses and Anthropic keys masked.
"""

import logging
import re
import sys

import structlog
from opentelemetry import trace

NOISY_LIBRARIES = ("httpx", "httpcore", "anthropic", "aiokafka", "chromadb", "uvicorn.access")
SECRETS = re.compile(r"sk-ant-[A-Za-z0-9_-]+|[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
MASK = "[redacted]"


def add_trace_ids(_, __, event_dict: dict) -> dict:
    span_context = trace.get_current_span().get_span_context()
    if span_context.is_valid:
        event_dict["trace_id"] = format(span_context.trace_id, "032x")
        event_dict["span_id"] = format(span_context.span_id, "016x")
    return event_dict


def masked(value):
    if isinstance(value, str):
        return SECRETS.sub(MASK, value)
    if isinstance(value, dict):
        return {key: masked(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [masked(item) for item in value]
    return value


def mask_secrets(_, __, event_dict: dict) -> dict:
    """Last before rendering: e-mail addresses and Anthropic keys in any value (exception text too) are masked."""
    return {key: masked(value) for key, value in event_dict.items()}


SHARED_PROCESSORS = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
    add_trace_ids,
]


def configure_logging(service: str, level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=SHARED_PROCESSORS,
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                mask_secrets,
                structlog.processors.JSONRenderer(),
            ],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in NOISY_LIBRARIES:
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))
    structlog.configure(
        processors=[*SHARED_PROCESSORS, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    structlog.contextvars.bind_contextvars(service=service)
