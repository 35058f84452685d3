"""Gotify: a message to the trader's own server, plain text, the application token in the
X-Gotify-Key header; an engine outage at high priority. No Qt."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..feed.records import TradeRecord
from ..feed.signal_text import notification_body, notification_title
from ..util.formatting import safe_text
from .request import BridgeRequest, safe_lines

if TYPE_CHECKING:
    from .request import Notice

__all__ = ["gotify_request", "gotify_status_request"]

#: Gotify's Android app alerts from 4 and makes a sound from 8 (its "high").
_NORMAL, _HIGH = 5, 8
_MESSAGE_CHARS = 2000


def gotify_request(record: TradeRecord, *, server: str, token: str, name_engine: bool = False) -> BridgeRequest:
    """The trade as one plain-text message at normal priority."""
    signal = record.signal
    body = safe_text(notification_body(signal), _MESSAGE_CHARS)
    return _message(server, token, notification_title(signal, record.engine if name_engine else None), body, _NORMAL)


def gotify_status_request(alert: Notice, *, server: str, token: str) -> BridgeRequest:
    """The engine alert: an outage at high priority, the recovery at normal priority."""
    priority = _HIGH if alert.kind == "down" else _NORMAL
    return _message(server, token, safe_text(alert.title, 100), safe_lines(alert.body, _MESSAGE_CHARS), priority)


def _message(server: str, token: str, title: str, message: str, priority: int) -> BridgeRequest:
    """POST {server}/message with the application token in a header, never in the address."""
    payload = {"title": title, "message": message, "priority": priority}
    return BridgeRequest(f"{server.rstrip('/')}/message", payload, {"X-Gotify-Key": token}, (token,))
