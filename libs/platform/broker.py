"""The one way a ragbus process gets a Kafka broker: security, acks and telemetry configured alike."""

import ssl

from faststream.kafka import KafkaBroker
from faststream.kafka.opentelemetry import KafkaTelemetryMiddleware
from faststream.security import BaseSecurity, SASLPlaintext, SASLScram256, SASLScram512

from libs.platform.settings import KafkaSettings

PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
SASL_BY_MECHANISM = {"PLAIN": SASLPlaintext, "SCRAM-SHA-256": SASLScram256, "SCRAM-SHA-512": SASLScram512}


def broker_security(settings: KafkaSettings) -> BaseSecurity | None:
    protocol = settings.security_protocol.upper()
    if protocol not in PROTOCOLS:  # a typo must not fall through to SASL without TLS
        raise ValueError(f"unsupported KAFKA_SECURITY_PROTOCOL {settings.security_protocol!r}: one of {', '.join(PROTOCOLS)}")
    if protocol == "PLAINTEXT":
        return None
    use_ssl = protocol in {"SSL", "SASL_SSL"}
    ssl_context = ssl.create_default_context() if use_ssl else None
    if protocol == "SSL":
        return BaseSecurity(ssl_context=ssl_context, use_ssl=True)
    if settings.sasl_mechanism not in SASL_BY_MECHANISM:
        raise ValueError(f"unsupported KAFKA_SASL_MECHANISM {settings.sasl_mechanism!r}")
    if not settings.sasl_username or settings.sasl_password is None:
        raise ValueError("KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD are required with SASL")
    sasl = SASL_BY_MECHANISM[settings.sasl_mechanism]
    return sasl(
        username=settings.sasl_username,
        password=settings.sasl_password.get_secret_value(),
        ssl_context=ssl_context,
        use_ssl=use_ssl,
    )


def create_broker(settings: KafkaSettings, client_id: str) -> KafkaBroker:
    return KafkaBroker(
        settings.bootstrap_servers.split(","),
        client_id=client_id,
        acks="all",
        security=broker_security(settings),
        middlewares=(KafkaTelemetryMiddleware(),),
        graceful_timeout=15.0,
        allow_auto_create_topics=False,
        logger=None,
    )


def client_options(settings: KafkaSettings) -> dict:
    """Connection options for a plain aiokafka client (the lag reader), secured like the broker."""
    from faststream.kafka.security import parse_security

    return {"bootstrap_servers": settings.bootstrap_servers.split(","), **parse_security(broker_security(settings))}
