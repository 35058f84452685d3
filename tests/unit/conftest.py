"""Shared helpers for the unit tests: waiting on a condition with a deadline, and building signals.

The unit tests talk to real parts (sockets on loopback, SQLite files), so they wait for what they
expect to happen, never for a length of time.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

from algomesh_tray.protocol import ReceivedSignal, StrategySignal, parse_frame

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

#: How often a waiting test looks at its condition again.
_POLL_SECONDS = 0.002


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


async def wait_until(predicate: Callable[[], object], timeout: float = 5.0, *, what: str = "") -> None:
    """Return as soon as ``predicate()`` is true; fail the test if it is still false at the deadline."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() >= deadline:
            raise AssertionError(f"not true within {timeout} s: {what or predicate}")
        await asyncio.sleep(_POLL_SECONDS)  # lets the loop run the code under test; not a timed wait
