"""Fixtures for the Qt tests: an offscreen platform, and trade records to fill models with."""

from __future__ import annotations

import os

# Before anything imports Qt: no display is needed, and none is touched.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import itertools
import json
import time
from collections.abc import Callable
from types import EllipsisType

import pytest

from algomesh_tray.feed.protocol import StrategySignal
from algomesh_tray.feed.records import TradeRecord

RecordFactory = Callable[..., TradeRecord]


@pytest.fixture
def make_record() -> RecordFactory:
    """TradeRecord(id, received_at, StrategySignal(...), raw, engine) with ids and arrival times counting up."""
    numbers = itertools.count(1)
    start = time.time() - 3600

    def make(
        *,
        record_id: int | EllipsisType | None = ...,
        received_at: float | None = None,
        action: str = "BUY",
        symbol: str = "BTCUSDT",
        price: float = 64320.50,
        amount: float = 0.05,
        size_type: str = "percent",
        order_type: str = "Market",
        strategy_name: str = "BTC_Momentum_Scalp",
        trade_type: str = "live",
        status: str = "EXECUTED",
        raw: str | None = None,
        engine: str = "AlgoMesh",
    ) -> TradeRecord:
        number = next(numbers)
        signal = StrategySignal(
            action=action,
            symbol=symbol,
            price=price,
            amount=amount,
            size_type=size_type,
            order_type=order_type,
            strategy_name=strategy_name,
            trade_type=trade_type,
            status=status,
        )
        if raw is None:
            raw = json.dumps(
                {
                    "type": "STRATEGY_SIGNAL",
                    "action": action,
                    "price": price,
                    "amount": amount,
                    "sizeType": size_type,
                    "orderType": order_type,
                    "symbol": symbol,
                    "strategyName": strategy_name,
                    "tradeType": trade_type,
                    "status": status,
                }
            )
        return TradeRecord(
            number if record_id is ... else record_id,
            start + number if received_at is None else received_at,
            signal,
            raw,
            engine,
        )

    return make
