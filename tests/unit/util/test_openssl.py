"""OpenSSL loaded at the first encrypted connection, not at start.

Each case runs the app's start-up imports in a fresh interpreter (this one has ssl loaded long
ago), and reads that process's memory map for libcrypto. The ``wss://`` engine is a real
websockets server with TLS, in this process, so that nothing in the app's process loads ssl
before its listener does.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from ...tls import make_certificate, secure_engine, server_context
from ..conftest import example_frame

STARTUP = """
import sys
from algomesh_tray.util.openssl import import_asyncio_without_ssl, import_hashlib_without_openssl

def openssl_mapped():
    return 'libcrypto' in open('/proc/self/maps').read()

def asyncio_modules_whose_ssl(check):
    return sorted(n for n, m in sys.modules.items() if n.startswith('asyncio.') and hasattr(m, 'ssl') and check(m.ssl))

import_hashlib_without_openssl()
import_asyncio_without_ssl()
import asyncio, hashlib, hmac
import algomesh_tray.feed.listener  # websockets: its handshake hashes with SHA-1, its client imports ssl
"""


def run(code: str, **env: str) -> list[str]:
    result = subprocess.run([sys.executable, "-c", STARTUP + code], capture_output=True, text=True, timeout=60,
                            env={"PATH": "/usr/bin:/bin", **env})  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def test_the_started_app_has_no_openssl_and_hashes_as_before() -> None:
    """Python's own SHA-1/SHA-256/MD5 and HMAC give the digests OpenSSL's gave (websockets' accept
    key, the single-instance name); asyncio holds no ssl until one is needed."""
    lines = run(
        "loaded = [name for name in ('ssl', '_ssl', '_hashlib') if type(sys.modules.get(name)).__name__ == 'module']\n"
        "print(openssl_mapped(), loaded)\n"
        "print(hashlib.sha1(b'AlgoMesh').hexdigest(), hashlib.sha256(b'AlgoMesh').hexdigest()[:16],\n"
        "      hashlib.md5(b'AlgoMesh').hexdigest(), hmac.new(b'k', b'AlgoMesh', 'sha256').hexdigest()[:16])\n"
        "print(asyncio_modules_whose_ssl(lambda ssl: ssl is None),\n"
        "      asyncio_modules_whose_ssl(lambda ssl: ssl is sys.modules['ssl']))\n"
    )  # fmt: skip
    import hashlib
    import hmac

    text = b"AlgoMesh"
    expected = [hashlib.sha1(text).hexdigest(), hashlib.sha256(text).hexdigest()[:16], hashlib.md5(text).hexdigest(),
                hmac.new(b"k", text, "sha256").hexdigest()[:16]]  # fmt: skip
    assert lines[0] == "False []"
    assert lines[1].split() == expected
    without, stand_in = lines[2].split("] [")
    assert {"asyncio.base_events", "asyncio.selector_events"} <= set(eval(without + "]"))
    assert eval("[" + stand_in) == ["asyncio.sslproto"]  # its TLS protocol: ssl=True loads ssl


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return make_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def secure_engine_url(certificate: tuple[Path, Path]) -> Iterator[str]:
    """An engine behind TLS on loopback that sends one signal to each client."""
    with secure_engine(certificate, lambda: [example_frame()]) as url:
        yield url


def test_a_secure_engine_loads_openssl_at_its_first_connection_and_its_signals_arrive(
    secure_engine_url: str, certificate: tuple[Path, Path]
) -> None:
    """The listener's wss:// connection loads ssl through the stand-in, which hands it to asyncio
    first: the TLS handshake and the encrypted frames go through asyncio's ssl protocol as usual."""
    lines = run(
        "from algomesh_tray.feed.listener import EngineListener\n"
        "print(openssl_mapped())\n"
        "async def main():\n"
        "    received = []\n"
        f"    listener = EngineListener({secure_engine_url!r}, on_signal=received.append)\n"
        "    listener.start()\n"
        "    try:\n"
        "        async with asyncio.timeout(30):\n"
        "            while not received:\n"
        "                await asyncio.sleep(0.01)\n"  # a look each turn of the loop, up to the deadline
        "    finally:\n"
        "        await listener.stop()\n"
        "    return received[0].signal.symbol\n"
        "print(asyncio.run(main()), openssl_mapped())\n"
        "print(asyncio_modules_whose_ssl(lambda ssl: ssl is not sys.modules['ssl']))\n",
        SSL_CERT_FILE=str(certificate[0]),
    )  # fmt: skip
    assert lines == ["False", f"{json.loads(example_frame())['symbol']} True", "[]"]


def test_nothing_changes_when_asyncio_and_hashlib_were_imported_before() -> None:
    """Too late to leave OpenSSL out: both are left as they are, ssl the real module."""
    code = (
        "import asyncio, hashlib\n"
        "from algomesh_tray.util.openssl import import_asyncio_without_ssl, import_hashlib_without_openssl\n"
        "import_hashlib_without_openssl(); import_asyncio_without_ssl()\n"
        "import sys, asyncio.base_events\n"
        "ssl = sys.modules['ssl']\n"
        "print(type(ssl).__name__, asyncio.base_events.ssl is ssl, hashlib.sha1.__module__)\n"
    )  # fmt: skip
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout.split() == ["module", "True", "_hashlib"]


@pytest.fixture
def secure_web_service(certificate: tuple[Path, Path]) -> Iterator[str]:
    """An HTTPS service on loopback answering every POST with {"ok": true}, as a bridge's would."""
    import http.server
    import threading

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            body = b'{"ok": true}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = server_context(certificate).wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"https://localhost:{server.server_address[1]}/bot/sendMessage"
    server.shutdown()
    thread.join(timeout=10)


def test_a_bridge_switched_on_later_reaches_its_service_over_https(
    secure_web_service: str, certificate: tuple[Path, Path]
) -> None:
    """httpx, imported when a bridge is switched on, gets ssl through the stand-in; its TLS runs on
    the same asyncio loop as the app's."""
    lines = run(
        "import httpx\n"
        "print(openssl_mapped())\n"
        "async def main():\n"
        "    async with httpx.AsyncClient(timeout=httpx.Timeout(10.0), follow_redirects=False) as client:\n"
        f"        return (await client.post({secure_web_service!r}, json={{'text': 'BUY BTCUSDT'}})).json()\n"
        "print(asyncio.run(main()), openssl_mapped())\n",
        SSL_CERT_FILE=str(certificate[0]),
    )  # fmt: skip
    assert lines == ["False", "{'ok': True} True"]


def test_asyncio_handed_ssl_true_loads_openssl_itself(secure_engine_url: str, certificate: tuple[Path, Path]) -> None:
    """As websockets does for an engine behind an https:// proxy, or any library: asyncio makes
    the default context itself, through the stand-in, and the TLS handshake goes through."""
    port = int(secure_engine_url.rsplit(":", 1)[1].split("/")[0])
    lines = run(
        "print(openssl_mapped())\n"
        "async def main():\n"
        f"    reader, writer = await asyncio.open_connection('127.0.0.1', {port}, ssl=True,\n"
        "                                                   server_hostname='localhost')\n"
        "    cipher = writer.get_extra_info('cipher') is not None\n"
        "    writer.close()\n"
        "    return cipher\n"
        "print(asyncio.run(main()), openssl_mapped())\n",
        SSL_CERT_FILE=str(certificate[0]),
    )  # fmt: skip
    assert lines == ["False", "True True"]


def test_a_python_built_without_its_own_sha1_keeps_openssls_hashes() -> None:
    """Some builds (RHEL's) carry no _sha1/_sha256 and rely on OpenSSL: hashlib is left to it,
    so websockets' handshake and the single-instance name still hash."""
    code = (
        "import sys\n"
        "sys.modules['_sha1'] = None  # as on a build without it\n"
        "from algomesh_tray.util.openssl import import_hashlib_without_openssl\n"
        "import_hashlib_without_openssl()\n"
        "import hashlib\n"
        "print(hashlib.sha1(b'x').hexdigest(), type(sys.modules.get('_hashlib')).__name__)\n"
    )  # fmt: skip
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout.split() == ["11f6ad8ec52a2984abaafd7c3b516503785c2072", "module"]
