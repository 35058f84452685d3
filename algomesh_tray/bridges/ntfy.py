"""ntfy: a JSON publish to the server's root (ntfy.sh or a self-hosted server), plain text, with a
title, tags and a priority; an access token, when set, in the Authorization header. No Qt."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..feed.records import TradeRecord
from ..feed.signal_text import notification_body, notification_title
from ..util.formatting import safe_text
from .request import BridgeRequest, safe_lines

if TYPE_CHECKING:
    from .request import Notice

__all__ = ["NTFY_SERVER", "ntfy_request", "ntfy_status_request"]

NTFY_SERVER = "https://ntfy.sh"
#: ntfy's priorities: 3 is its default, 5 its "urgent" (a long vibration, through Do Not Disturb).
_DEFAULT, _URGENT = 3, 5
#: Well within ntfy's 4096-byte message limit (beyond it the message becomes an attachment).
_MESSAGE_CHARS = 1000


def ntfy_request(
    record: TradeRecord, *, server: str, topic: str, token: str = "", name_engine: bool = False
) -> BridgeRequest:
    """The trade as one plain-text message at the default priority, tagged with its direction."""
    signal = record.signal
    tag = "chart_with_upwards_trend" if signal.is_buy else "chart_with_downwards_trend"
    body = safe_text(notification_body(signal), _MESSAGE_CHARS)
    return _publish(
        server,
        topic,
        token,
        notification_title(signal, record.engine if name_engine else None),
        body,
        _DEFAULT,
        [tag, "algomesh"],
    )


def ntfy_status_request(alert: Notice, *, server: str, topic: str, token: str = "") -> BridgeRequest:
    """The engine alert: an outage urgent with a siren tag, the recovery at the default priority."""
    down = alert.kind == "down"
    priority, tag = (_URGENT, "rotating_light") if down else (_DEFAULT, "white_check_mark")
    title = safe_text(alert.title, 100)
    return _publish(server, topic, token, title, safe_lines(alert.body, _MESSAGE_CHARS), priority, [tag, "algomesh"])


def _publish(server: str, topic: str, token: str, title: str, message: str, priority: int,
             tags: list[str]) -> BridgeRequest:  # fmt: skip
    """ntfy's "publish as JSON": POST to the server root with the topic in the body."""
    payload = {"topic": topic, "message": message, "title": title, "priority": priority, "tags": tags}
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return BridgeRequest(f"{server.rstrip('/')}/", payload, headers, (token,) if token else ())
