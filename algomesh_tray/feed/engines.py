"""The engines a tray watches: each a name and an address, checked as a trader types them. No Qt.

A name is what popups, the trades window and bridge messages call the engine, so two engines
may not share one, nor one address (its signals would be logged twice).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final
from urllib.parse import urlsplit

__all__ = [
    "DEFAULT_ENGINE_NAME",
    "MAX_NAME_CHARS",
    "PATH_PATTERN",
    "Engine",
    "EngineError",
    "address_problem",
    "check_engines",
    "clash",
    "engine_from_argument",
    "engine_from_url",
    "is_host_name",
    "is_loopback",
    "name_problem",
]

#: The one engine of a fresh install, and the engine of every trade logged before there were several.
DEFAULT_ENGINE_NAME: Final = "AlgoMesh"
MAX_NAME_CHARS: Final = 40
_HOSTNAME: Final = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)(\.(?!-)[A-Za-z0-9-]{1,63}(?<!-))*\.?")
#: A URL path as an engine's address (or a server's) may have it.
PATH_PATTERN: Final = re.compile(r"/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*")


class EngineError(ValueError):
    """An engine that cannot be used; the message says what to fix, in a trader's words."""


@dataclass(frozen=True, slots=True)
class Engine:
    """One engine: where it listens, what it is called, and whether the tray watches it."""

    name: str = DEFAULT_ENGINE_NAME
    host: str = "localhost"
    port: int = 52000
    path: str = "/connect"
    secure: bool = False
    enabled: bool = True

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{'wss' if self.secure else 'ws'}://{host}:{self.port}{self.path}"

    def validated(self) -> Engine:
        """Self if its name and address are usable, else EngineError naming the engine."""
        if problem := name_problem(self.name):
            raise EngineError(problem)
        if problem := address_problem(self.host, self.port, self.path):
            raise EngineError(f"{self.name}: {problem}")
        if not isinstance(self.secure, bool) or not isinstance(self.enabled, bool):
            raise EngineError(f"{self.name}: 'secure' and 'enabled' must be true or false.")
        return self


def name_problem(name: object) -> str | None:
    """Why ``name`` cannot name an engine, or None."""
    if not isinstance(name, str) or not name.strip():
        return "An engine needs a name, e.g. Desk or VPS."
    # Not printable: controls, format characters (direction overrides), line and other separators
    # except the space; str knows, with no unicodedata module loaded at start-up.
    if not name.replace(" ", "").isprintable():
        return "An engine's name may not hold control characters (tabs, line breaks and the like)."
    if name != name.strip():
        return f"The engine name '{name.strip()}' may not start or end with spaces."
    if len(name) > MAX_NAME_CHARS:
        return f"An engine's name may have at most {MAX_NAME_CHARS} characters."
    return None


def address_problem(host: object, port: object, path: object) -> str | None:
    """Why host, port and path do not make a usable WebSocket address, or None."""
    if not isinstance(host, str) or not host:
        return "The host is empty. Use localhost for an engine on this computer."
    if not is_host_name(host):
        return f"'{host}' is not a valid host name or IP address."
    if not isinstance(port, int) or isinstance(port, bool) or not 1 <= port <= 65535:
        return "The port must be a number from 1 to 65535."
    if not isinstance(path, str) or not PATH_PATTERN.fullmatch(path):
        return "The path must start with / and contain no spaces, e.g. /connect."
    return None


def is_host_name(host: str) -> bool:
    """An IP address, or a host name DNS allows."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return bool(_HOSTNAME.fullmatch(host)) and len(host) <= 253
    return True


def engine_from_url(name: str, url: str, *, enabled: bool = True) -> Engine:
    """The engine ``name`` at ``url`` (ws:// or wss://), validated."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("ws", "wss"):
        raise EngineError(f"{name}: the engine address must start with ws:// or wss://.")
    if parts.username is not None or parts.password is not None or parts.query or parts.fragment:
        # Each would be dropped: the engine would be reached without what it may need.
        raise EngineError(f"{name}: the engine address may not hold a name, password, ? or #.")
    try:
        port = parts.port or (443 if parts.scheme == "wss" else 80)
    except ValueError:
        raise EngineError(f"{name}: the port must be a number from 1 to 65535.") from None
    engine = Engine(name, parts.hostname or "", port, parts.path or "/", parts.scheme == "wss", enabled)
    return engine.validated()


def engine_from_argument(text: str) -> Engine:
    """``NAME=URL`` as ``--engine`` takes it."""
    name, equals, url = text.partition("=")
    if not equals:
        raise EngineError(f"'{text}' is not NAME=URL, e.g. VPS=ws://203.0.113.5:52000/connect.")
    return engine_from_url(name, url)


def _same_address(engine: Engine) -> tuple[str, int, str, bool]:
    """What makes two engines one: localhost, 127.0.0.1 and ::1 are this computer alike."""
    host = engine.host.lower().rstrip(".")
    return "this computer" if is_loopback(host) else host, engine.port, engine.path, engine.secure


def is_loopback(host: str) -> bool:
    """Whether ``host`` is this computer (the engine's normal place)."""
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_engines(engines: Sequence[Engine]) -> None:
    """Raise EngineError unless each engine is usable and no name or address is used twice."""
    if not engines:
        raise EngineError("Add at least one engine.")
    kept: list[Engine] = []
    for engine in engines:
        engine.validated()
        if problem := clash(engine, kept):
            raise EngineError(problem)
        kept.append(engine)


def clash(engine: Engine, others: Iterable[Engine]) -> str | None:
    """Why ``engine`` cannot sit beside ``others``: a name (case aside) or an address already theirs."""
    for other in others:
        if other.name.casefold() == engine.name.casefold():
            return f"Two engines are called '{engine.name}': each needs its own name."
        if _same_address(other) == _same_address(engine):
            return f"'{engine.name}' and '{other.name}' have the same address ({engine.url}): keep one."
    return None
