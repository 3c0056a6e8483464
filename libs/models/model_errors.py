"""What a failed model call means: a reason code, whether to retry it, whether it says the API is unwell."""

import anthropic
import pybreaker

RETRYABLE_STATUS = {408, 409, 429}


class MalformedResponse(Exception):
    """The API answered 2xx with something that is not a usable message. `billing` is what the call was billed
    when its `usage` could be read (a cut or text-less reply), None when it could not (a broken body)."""

    billing = None


class MaxTokensReached(MalformedResponse):
    """The reply was cut at `max_tokens` (thinking counts toward it): no answer text, or only part of it."""


def status_of(error: BaseException) -> int | None:
    return error.status_code if isinstance(error, anthropic.APIStatusError) else None


def reason_code(error: BaseException) -> str:
    """A short code for GenerationInfo.reason and logs."""
    match error:
        case pybreaker.CircuitBreakerError():
            return "breaker_open"
        case anthropic.RateLimitError():
            return "rate_limited"
        case anthropic.OverloadedError():
            return "overloaded"
        case anthropic.InternalServerError():
            return "server_error"
        case anthropic.APITimeoutError() | TimeoutError():
            return "timeout"
        case anthropic.APIConnectionError():
            return "connection_error"
        case MaxTokensReached():
            return "max_tokens"
        case MalformedResponse():
            return "malformed_response"
        case anthropic.APIStatusError():
            return f"api_error_{error.status_code}"
    return "unexpected_error"


def billed(error: BaseException):
    """The `Billing` of a failed call the API charged for, None when it charged nothing or we cannot know."""
    return getattr(error, "billing", None)


def is_retryable(error: BaseException) -> bool:
    """Worth another attempt on the same model: throttling, overload, server errors, timeouts, lost connections."""
    status = status_of(error)
    if status is not None:
        return status in RETRYABLE_STATUS or status >= 500
    return isinstance(error, (anthropic.APIConnectionError, TimeoutError))


def is_client_error(error: BaseException) -> bool:
    """A 4xx that is about this request (bad request, auth...), not about the API's health: the breaker ignores it."""
    status = status_of(error)
    return status is not None and 400 <= status < 500 and status not in RETRYABLE_STATUS


def retry_after_s(error: BaseException) -> float | None:
    """The wait the API asked for (`retry-after-ms` or `retry-after` in seconds), if any."""
    response = getattr(error, "response", None)
    headers = getattr(response, "headers", None) or {}
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        try:
            return float(headers[name]) * scale
        except (KeyError, TypeError, ValueError):
            continue
    return None
