"""A real TLS engine for tests: a self-signed certificate for localhost and a websockets server
behind it, in the test's process. The app under test trusts the certificate through
SSL_CERT_FILE, which OpenSSL's default verify paths read."""

from __future__ import annotations

import contextlib
import datetime
import ipaddress
import ssl
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from websockets.exceptions import ConnectionClosed
from websockets.sync.server import ServerConnection, serve

__all__ = ["make_certificate", "secure_engine", "server_context"]


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for localhost and 127.0.0.1: its (certificate, key) files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    names = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    built = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
             .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
             .not_valid_after(now + datetime.timedelta(days=1))
             .add_extension(x509.SubjectAlternativeName(names), critical=False)
             .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
             .sign(key, hashes.SHA256()))  # fmt: skip
    certificate_file, key_file = folder / "engine.pem", folder / "engine.key"
    certificate_file.write_bytes(built.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))  # fmt: skip
    return certificate_file, key_file


def server_context(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    return context


@contextlib.contextmanager
def secure_engine(certificate: tuple[Path, Path], frames: Callable[[], list[str]]) -> Iterator[str]:
    """An engine behind TLS on loopback sending ``frames()`` to each client as it connects; its wss:// URL."""

    def serve_client(connection: ServerConnection) -> None:
        for frame in frames():
            connection.send(frame)
        with contextlib.suppress(ConnectionClosed):
            connection.recv()  # until the client goes

    with serve(serve_client, "127.0.0.1", 0, ssl=server_context(certificate)) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"wss://localhost:{server.socket.getsockname()[1]}/connect"
        finally:
            server.shutdown()
            thread.join(timeout=10)
