"""Where the connection to the engine stands: what the listener reports and the tray shows.

Its own module so that the tray can be built and shown without importing the network stack
(websockets and what it imports: email, http, urllib, importlib.metadata).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

__all__ = ["ConnectionState", "ListenerStatus"]


class ConnectionState(enum.Enum):
    """Where the listener stands with the engine."""

    CONNECTING = "connecting"
    CONNECTED = "connected"
    DISCONNECTED = "disconnected"
    STOPPED = "stopped"


@dataclass(frozen=True, slots=True)
class ListenerStatus:
    """A snapshot for the tray and status bar; ``retry_in`` is set while waiting to retry."""

    state: ConnectionState
    url: str
    detail: str = ""
    retry_in: float | None = None
