"""Pushover: its Message API with the application token and user key in the body; an engine
outage at emergency priority, repeated on the phone until it is acknowledged. No Qt."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..feed.records import TradeRecord
from ..feed.signal_text import notification_body, notification_title
from ..util.formatting import safe_text
from .request import BridgeRequest, safe_lines

if TYPE_CHECKING:
    from .request import Notice

__all__ = ["PUSHOVER_API", "pushover_request", "pushover_status_request"]

PUSHOVER_API = "https://api.pushover.net"
#: Pushover's limits: a message of 1024 characters, a title of 250.
MESSAGE_CHARS, TITLE_CHARS = 1024, 250
_NORMAL, _EMERGENCY = 0, 2
#: Emergency priority must say how often to repeat (at least 30 s) and for how long (at most 3 h).
EMERGENCY_RETRY, EMERGENCY_EXPIRE = 60, 3600


def pushover_request(
    record: TradeRecord, *, token: str, user: str, base_url: str = PUSHOVER_API, name_engine: bool = False
) -> BridgeRequest:
    """The trade as one message at normal priority, plain text."""
    signal = record.signal
    return _message(
        base_url,
        token,
        user,
        notification_title(signal, record.engine if name_engine else None),
        notification_body(signal),
        _NORMAL,
    )


def pushover_status_request(alert: Notice, *, token: str, user: str, base_url: str = PUSHOVER_API) -> BridgeRequest:
    """An outage at emergency priority (repeated until acknowledged, for up to an hour); the recovery
    at normal priority."""
    priority = _EMERGENCY if alert.kind == "down" else _NORMAL
    return _message(base_url, token, user, alert.title, alert.body, priority)


def _message(base_url: str, token: str, user: str, title: str, message: str, priority: int) -> BridgeRequest:
    """POST /1/messages.json; the title and message within Pushover's limits, control characters shown."""
    payload: dict[str, Any] = {"token": token, "user": user, "title": safe_text(title, TITLE_CHARS),
                               "message": safe_lines(message, MESSAGE_CHARS), "priority": priority}  # fmt: skip
    if priority == _EMERGENCY:
        payload |= {"retry": EMERGENCY_RETRY, "expire": EMERGENCY_EXPIRE}
    return BridgeRequest(f"{base_url.rstrip('/')}/1/messages.json", payload, secrets=(token, user))
