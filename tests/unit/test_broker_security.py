"""Kafka security objects built from the settings: TLS where the protocol says so, SASL with its mechanism, and a
clear error instead of a silently weaker connection."""

import pytest
from faststream.security import SASLPlaintext, SASLScram512
from pydantic import SecretStr

from libs.platform.broker import broker_security
from libs.platform.settings import KafkaSettings


def settings(**values) -> KafkaSettings:
    return KafkaSettings(sasl_username="ragbus", sasl_password=SecretStr("s3cret"), **values)


def test_plaintext_has_no_security_object():
    assert broker_security(settings()) is None


def test_sasl_ssl_with_scram_512_uses_tls_and_the_password():
    security = broker_security(settings(security_protocol="sasl_ssl", sasl_mechanism="SCRAM-SHA-512"))
    assert isinstance(security, SASLScram512) and security.use_ssl and security.ssl_context is not None
    assert (security.username, security.password) == ("ragbus", "s3cret")


def test_sasl_plaintext_is_sasl_without_tls():
    security = broker_security(settings(security_protocol="SASL_PLAINTEXT"))
    assert isinstance(security, SASLPlaintext) and not security.use_ssl


def test_ssl_alone_is_tls_without_sasl():
    security = broker_security(settings(security_protocol="SSL"))
    assert security.use_ssl and not hasattr(security, "username")


@pytest.mark.parametrize("values, message", [
    ({"security_protocol": "SASL-SSL"}, "unsupported KAFKA_SECURITY_PROTOCOL 'SASL-SSL'"),
    ({"security_protocol": "SASL_SSL", "sasl_mechanism": "GSSAPI"}, "unsupported KAFKA_SASL_MECHANISM 'GSSAPI'"),
])
def test_a_typo_or_an_unsupported_mechanism_is_refused(values, message):
    with pytest.raises(ValueError, match=message):
        broker_security(settings(**values))


def test_sasl_without_a_password_is_refused():
    with pytest.raises(ValueError, match="KAFKA_SASL_PASSWORD are required"):
        broker_security(KafkaSettings(security_protocol="SASL_SSL", sasl_username="ragbus"))
