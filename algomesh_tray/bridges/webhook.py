"""A JSON webhook: the trade as logged, with the engine's field names and the raw frame, for the
trader's own dashboard; engine alerts as ENGINE_STATUS. No Qt."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from ..feed.records import TradeRecord
from .request import BridgeRequest

if TYPE_CHECKING:
    from .request import Notice

__all__ = ["webhook_request", "webhook_status_request"]


def webhook_request(record: TradeRecord, *, url: str) -> BridgeRequest:
    """The trade as logged (engine's field names) plus the raw frame, for custom dashboards."""
    return BridgeRequest(url, {**record.as_dict(), "raw": record.raw}, secrets=(url,))


def webhook_status_request(alert: Notice, *, url: str) -> BridgeRequest:
    """The engine alert (or the bridge's note, BRIDGE_NOTE) for custom dashboards; times are epoch
    seconds, like a trade's receivedAt."""
    kind = "BRIDGE_NOTE" if alert.kind == "note" else "ENGINE_STATUS"
    payload = {"type": kind, "status": alert.kind, "title": alert.title, "body": alert.body,
               "since": alert.since, "sentAt": time.time()}  # fmt: skip
    return BridgeRequest(url, payload, secrets=(url,))
