"""The domain's records: a signal as the trade log holds it, and a rejected one. No Qt, no SQLite.

Every part (pipeline, popups, bridges, tray, models, export) passes these around; only the
trade log knows how they are stored.
"""

from __future__ import annotations

from dataclasses import dataclass

from .engines import DEFAULT_ENGINE_NAME
from .protocol import ReceivedSignal, RejectedSignal, StrategySignal

__all__ = ["RejectedRecord", "TradeRecord"]


@dataclass(frozen=True, slots=True)
class RejectedRecord:
    """A rejected signal and its sequence number in the log (None if it could not be written)."""

    id: int | None
    rejected: RejectedSignal

    @property
    def received_at(self) -> float:
        return self.rejected.received_at


@dataclass(frozen=True, slots=True)
class TradeRecord:
    """One row of the log; ``id`` is None while the signal could not be written yet."""

    id: int | None
    received_at: float
    signal: StrategySignal
    raw: str
    #: The engine that sent it (feed/engines.py).
    engine: str = DEFAULT_ENGINE_NAME

    @classmethod
    def unsaved(cls, received: ReceivedSignal) -> TradeRecord:
        return cls(None, received.received_at, received.signal, received.raw, received.engine)

    def as_dict(self) -> dict[str, object]:
        """The record as the engine named its fields, plus the log's own, for export."""
        signal = self.signal
        return {
            "id": self.id,
            "receivedAt": self.received_at,
            "engine": self.engine,
            "strategyName": signal.strategy_name,
            "symbol": signal.symbol,
            "action": signal.action,
            "amount": signal.amount,
            "sizeType": signal.size_type,
            "price": signal.price,
            "orderType": signal.order_type,
            "tradeType": signal.trade_type,
            "status": signal.status,
        }
