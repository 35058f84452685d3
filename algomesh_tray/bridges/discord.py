"""Discord: a webhook execute with one embed, markdown escaped and every @mention disabled. No Qt."""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING, Any

from ..feed.records import TradeRecord
from ..feed.signal_text import notification_title
from ..util.formatting import format_amount, format_price, safe_text
from .request import BridgeRequest, iso_time, safe_lines

if TYPE_CHECKING:
    from .request import Notice

__all__ = ["discord_request", "discord_status_request"]

_DISCORD_MARKDOWN = re.compile(r"([\\*_~`|>#\-\[\]()])")
_DISCORD_RED, _DISCORD_GREEN, _DISCORD_GREY = 0xDC2626, 0x16A34A, 0x6B7280


def _discord_escape(text: str, limit: int) -> str:
    return _DISCORD_MARKDOWN.sub(r"\\\1", safe_text(text, limit))


def discord_request(record: TradeRecord, *, webhook_url: str, name_engine: bool = False) -> BridgeRequest:
    """Webhook execute with one embed; markdown escaped and every @mention disabled."""
    signal = record.signal
    colour = _DISCORD_GREEN if signal.is_buy else _DISCORD_RED if signal.action == "SELL" else _DISCORD_GREY
    fields = [
        ("Amount", f"{format_amount(signal.amount)} ({signal.size_type})"),
        ("Price", format_price(signal.price)),
        ("Order", signal.order_type),
        ("Strategy", signal.strategy_name),
        ("Trade", signal.trade_type),
        ("Status", signal.status),
    ]
    embed = {
        "title": _discord_escape(notification_title(signal, record.engine if name_engine else None), 256),
        "color": colour,
        "fields": [{"name": name, "value": _discord_escape(value, 1024), "inline": True} for name, value in fields],
        "timestamp": iso_time(record.received_at),
    }
    return _discord_embed(webhook_url, embed)


def _discord_embed(webhook_url: str, embed: dict[str, Any]) -> BridgeRequest:
    """Webhook execute (``wait=true``: errors come back) with one embed and every @mention disabled."""
    separator = "&" if "?" in webhook_url else "?"
    return BridgeRequest(f"{webhook_url}{separator}wait=true", {"embeds": [embed], "allowed_mentions": {"parse": []}},
                         secrets=(webhook_url,))  # fmt: skip


def discord_status_request(alert: Notice, *, webhook_url: str) -> BridgeRequest:
    """The engine alert as one embed, red while the engine is down and green when it is back (a note
    grey); the description stays within Discord's 4096 characters even if every one needs escaping."""
    embed = {
        "title": _discord_escape(alert.title, 256),
        "description": _DISCORD_MARKDOWN.sub(r"\\\1", safe_lines(alert.body, 2000)),
        "color": {"down": _DISCORD_RED, "up": _DISCORD_GREEN}.get(alert.kind, _DISCORD_GREY),
        "timestamp": iso_time(time.time()),
    }
    return _discord_embed(webhook_url, embed)
