"""A signal in words: the title and body that a popup shows and the bridges' messages repeat. No Qt."""

from __future__ import annotations

from ..util.formatting import format_price, format_size, safe_text
from .protocol import StrategySignal

__all__ = ["NOTIFICATION_FIELD_CHARS", "notification_body", "notification_title"]

#: Longest piece of feed text put in a notification line.
NOTIFICATION_FIELD_CHARS = 64


def notification_title(signal: StrategySignal, engine: str | None = None) -> str:
    """'BUY BTCUSDT', or 'VPS: BUY BTCUSDT' when the ``engine`` that sent it is to be named."""
    title = f"{signal.action} {safe_text(signal.symbol, NOTIFICATION_FIELD_CHARS)}"
    return title if engine is None else f"{safe_text(engine, NOTIFICATION_FIELD_CHARS)}: {title}"


def notification_body(signal: StrategySignal) -> str:
    """'0.05 (percent) @ 64,320.50 · Market · BTC_Momentum_Scalp · live · EXECUTED' (plain text)."""
    parts = (signal.order_type, signal.strategy_name, signal.trade_type, signal.status)
    shown = " · ".join(safe_text(part, NOTIFICATION_FIELD_CHARS) for part in parts)
    size = format_size(signal.amount, signal.size_type, NOTIFICATION_FIELD_CHARS)
    return f"{size} @ {format_price(signal.price)} · {shown}"
