"""OpenSSL loaded when a connection is encrypted, not at start. No Qt.

asyncio imports ``ssl`` and hashlib imports ``_hashlib``, and either one maps OpenSSL's libcrypto:
4.4 MB of the idle app's 67 MB (libcrypto, libssl, ``_ssl`` and ``ssl``'s enums), for an app
that watches ``ws://localhost`` and encrypts nothing. Here the hashes come from Python's own
SHA-1/SHA-2/MD5/BLAKE2 where this Python has them (websockets' handshake and the single-instance
name need no more), and asyncio is imported as on a Python built without ``ssl``,
which it supports. Whatever first uses ``ssl`` loads it through a stand-in, which hands it to asyncio
before anyone uses it: httpx as a bridge's client is made, asyncio's TLS protocol as a ``wss://``
engine connects (websockets hands it ``ssl=True``).
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType

from .deferred_import import stand_in_until_used

__all__ = ["import_asyncio_without_ssl", "import_hashlib_without_openssl"]


@contextmanager
def _unavailable(name: str) -> Iterator[None]:
    """``import name`` fails while the block runs, as on a Python built without it."""
    sys.modules[name] = None  # type: ignore[assignment]  # the import system's "not available"
    try:
        yield
    finally:
        del sys.modules[name]


#: Python's own hash modules, which hashlib falls back on. Some builds leave them out and rely on
#: OpenSSL alone (RHEL's: ``--with-builtin-hashlib-hashes=blake2``): there hashlib keeps OpenSSL.
BUILT_IN_HASHES = ("_md5", "_sha1", "_sha2" if sys.version_info >= (3, 12) else "_sha256")


def import_hashlib_without_openssl() -> None:
    """hashlib and hmac on Python's built-in hashes, where this Python has them. A later
    ``import _hashlib`` still works."""
    if "hashlib" in sys.modules or "_hashlib" in sys.modules:
        return  # too late: left as they are
    if not all(importlib.util.find_spec(name) for name in BUILT_IN_HASHES):
        return
    with _unavailable("_hashlib"):
        importlib.import_module("hashlib")
        importlib.import_module("hmac")


def import_asyncio_without_ssl() -> None:
    """asyncio, with ``ssl`` loaded at its first use (asyncio's TLS protocol's included)."""
    if "asyncio" in sys.modules or "ssl" in sys.modules:
        return  # too late: left as they are
    with _unavailable("ssl"):
        importlib.import_module("asyncio")
    without = [module for name, module in list(sys.modules.items())
               if name.startswith("asyncio.") and getattr(module, "ssl", False) is None]  # fmt: skip

    def give_to_asyncio(ssl: ModuleType) -> None:
        """What asyncio's modules would have bound had ``ssl`` been there when they were imported:
        ``ssl`` itself, and sslproto's ``SSLAgainErrors``."""
        for module in without:
            module.ssl = ssl  # type: ignore[attr-defined]
        sslproto = sys.modules["asyncio.sslproto"]
        if not hasattr(sslproto, "SSLAgainErrors"):
            sslproto.SSLAgainErrors = (ssl.SSLWantReadError, ssl.SSLSyscallError)  # type: ignore[attr-defined]

    # Its TLS protocol gets the stand-in now: handed ``ssl=True`` (websockets for a wss:// engine or
    # through an https:// proxy, any library), it makes the context itself. The rest keeps None
    # until then: it asks ssl whether each socket it is handed is an SSLSocket (every sock_connect:
    # the D-Bus connection's first), which would load it for nothing.
    sys.modules["asyncio.sslproto"].ssl = stand_in_until_used("ssl", give_to_asyncio)  # type: ignore[attr-defined]
