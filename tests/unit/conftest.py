"""Shared helpers for the unit tests: waiting on a condition with a deadline, and building signals.

The unit tests talk to real parts (sockets on loopback, SQLite files), so they wait for what they
expect to happen, never for a length of time.
"""

from __future__ import annotations

import json
from typing import Any

from algomesh_tray.feed.protocol import ReceivedSignal, StrategySignal, parse_frame

# The unit tests run on asyncio: their wait_until is the coroutine one.
from ..waiting import wait_until_async as wait_until

__all__ = ["EXAMPLE", "example_frame", "make_received", "wait_until"]

#: The STRATEGY_SIGNAL frame from the engine's API page (and the brief).
EXAMPLE: dict[str, Any] = {
    "type": "STRATEGY_SIGNAL",
    "action": "BUY",
    "price": 64320.50,
    "amount": 0.05,
    "sizeType": "percent",
    "orderType": "Market",
    "symbol": "BTCUSDT",
    "strategyName": "BTC_Momentum_Scalp",
    "tradeType": "live",
    "status": "EXECUTED",
}


def example_frame(**changes: Any) -> str:
    """The example frame as JSON text, with fields changed; a value of ``...`` removes the field."""
    payload = {**EXAMPLE, **changes}
    return json.dumps({key: value for key, value in payload.items() if value is not ...})


def make_received(number: int = 0, *, received_at: float | None = None, **changes: Any) -> ReceivedSignal:
    """A parsed signal as the listener hands it on; ``number`` makes the price (100 + number) unique."""
    raw = example_frame(price=100.0 + number, **changes)
    signal = parse_frame(raw)
    assert isinstance(signal, StrategySignal)
    return ReceivedSignal(signal, 1_700_000_000.0 + number if received_at is None else received_at, raw)
