"""A JSON webhook: the trade as logged, with the engine's field names and the raw frame, for the
trader's own dashboard; engine alerts as ENGINE_STATUS. No Qt."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from ..feed.records import TradeRecord
from .request import BridgeRequest

if TYPE_CHECKING:
    from ..feed.outage import EngineAlert

__all__ = ["webhook_request", "webhook_status_request"]


def webhook_request(record: TradeRecord, *, url: str) -> BridgeRequest:
    """The trade as logged (engine's field names) plus the raw frame, for custom dashboards."""
    return BridgeRequest(url, {**record.as_dict(), "raw": record.raw})


def webhook_status_request(alert: EngineAlert, *, url: str) -> BridgeRequest:
    """The engine alert for custom dashboards; times are epoch seconds, like a trade's receivedAt."""
    payload = {"type": "ENGINE_STATUS", "status": alert.kind, "title": alert.title, "body": alert.body,
               "since": alert.since, "sentAt": time.time()}  # fmt: skip
    return BridgeRequest(url, payload)
