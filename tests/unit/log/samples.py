"""Signals to write into trade logs, numbered, for the log's tests."""

from __future__ import annotations

import json

from algomesh_tray.feed.protocol import ReceivedSignal, StrategySignal, parse_frame


def received(number: int, *, strategy: str = "BTC_Momentum_Scalp", engine: str = "AlgoMesh") -> ReceivedSignal:
    """Signal number ``number`` from ``engine``: BUY when odd, SELL when even, its price and arrival time
    counting up."""
    raw = json.dumps(
        {"type": "STRATEGY_SIGNAL", "action": "BUY" if number % 2 else "SELL", "price": 100.0 + number,
         "amount": 0.5, "sizeType": "fixed", "orderType": "Market", "symbol": "BTCUSDT", "strategyName": strategy,
         "tradeType": "live", "status": "EXECUTED"}
    )  # fmt: skip
    signal = parse_frame(raw)
    assert isinstance(signal, StrategySignal)
    return ReceivedSignal(signal, 1_700_000_000.0 + number, raw, engine)
