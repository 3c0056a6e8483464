"""Turns a broker and its lifecycle hooks into a runnable service with /healthz and /readyz."""

import asyncio
from collections.abc import Awaitable, Callable, Sequence

import prometheus_client
import uvicorn
from faststream.asgi import AsgiFastStream, AsgiResponse, get, make_ping_asgi
from faststream.kafka import KafkaBroker
from faststream.specification import AsyncAPI

from libs.platform.consumer_lag import ConsumerLagMonitor, consumed_by_groups
from libs.platform.logging import configure_logging
from libs.platform.settings import ServiceSettings
from libs.platform.telemetry import configure_metrics, configure_tracing

Hook = Callable[[], Awaitable[None]]


@get(include_in_schema=False)
async def liveness(scope) -> AsgiResponse:
    return AsgiResponse(b"ok", 200)


def build_app(
    service: str,
    broker: KafkaBroker,
    on_startup: Sequence[Hook] = (),
    on_shutdown: Sequence[Hook] = (),
) -> AsgiFastStream:
    return AsgiFastStream(
        broker,
        asgi_routes=[
            ("/healthz", liveness),
            ("/readyz", make_ping_asgi(broker, timeout=3.0, include_in_schema=False)),
            ("/metrics", prometheus_client.make_asgi_app()),
        ],
        on_startup=on_startup,
        after_shutdown=on_shutdown,
        specification=AsyncAPI(title=f"ragbus {service}", version="1.0.0"),
        logger=None,
    )


def serve(service: str, settings: ServiceSettings, app_factory: Callable[[], AsgiFastStream]) -> None:
    """Entry point of a service process: logging and tracing once, then the app until SIGTERM."""
    configure_logging(service, settings.log_level)
    provider = configure_tracing(service, settings.trace_file, settings.otel_exporter_otlp_endpoint)
    configure_metrics(service)
    app = watch_consumer_lag(app_factory(), settings)
    config = uvicorn.Config(
        app, host=settings.health_host, port=settings.health_port, log_level="warning", lifespan="on"
    )
    try:
        asyncio.run(uvicorn.Server(config).serve())
    finally:
        provider.shutdown()


def watch_consumer_lag(app: AsgiFastStream, settings: ServiceSettings) -> AsgiFastStream:
    """Read the lag of the app's consumer groups while it runs (after its subscribers started)."""
    monitor = ConsumerLagMonitor(settings.kafka, consumed_by_groups(app.broker), settings.consumer_lag_interval_s)
    app.after_startup(monitor.start)
    app.on_shutdown(monitor.stop)
    return app
