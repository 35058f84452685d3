"""What several end-to-end tests share: the simulated engine as a program, the frames it sent, and
the popup text the brief specifies for a frame (written independently of the app's formatting)."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

from ..programs import Program

__all__ = ["expected_notification", "expected_price", "sent_frames", "signal_frame", "start_engine"]


def expected_price(price: float) -> str:
    """The brief's price format, written independently of the app: '64,320.50'."""
    text = f"{Decimal(repr(price)):,f}"
    whole, _, decimals = text.partition(".")
    return f"{whole}.{decimals.ljust(2, '0')}"


def expected_notification(frame: dict[str, Any]) -> tuple[str, str]:
    amount = f"{Decimal(repr(frame['amount'])).normalize():f}"
    body = (
        f"{amount} ({frame['sizeType']}) @ {expected_price(frame['price'])} · {frame['orderType']} · "
        f"{frame['strategyName']} · {frame['tradeType']} · {frame['status']}"
    )
    return f"{frame['action']} {frame['symbol']}", body


def start_engine(start_program: Any, *arguments: str) -> tuple[Program, int]:
    engine = start_program("algomesh-tray-engine", "--port", "0", "--echo", *arguments)
    line = engine.wait_for_line("listening on ws://")
    port = int(re.search(r":(\d+)/connect", line).group(1))  # type: ignore[union-attr]
    return engine, port


def sent_frames(engine: Program) -> list[dict[str, Any]]:
    return [json.loads(line) for line in engine.lines if line.startswith("{")]


def signal_frame(**changes: object) -> str:
    frame = {"type": "STRATEGY_SIGNAL", "action": "BUY", "price": 64320.5, "amount": 0.05, "sizeType": "percent",
             "orderType": "Market", "symbol": "BTCUSDT", "strategyName": "BTC_Momentum_Scalp", "tradeType": "live",
             "status": "EXECUTED"}  # fmt: skip
    return json.dumps({**frame, **changes})
