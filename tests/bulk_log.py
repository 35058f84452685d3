"""A big trade log, built fast (executemany in one transaction, totals counted once after), for the
tests and the bench that need one: a year of a busy trader's signals takes seconds, not hours."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

from algomesh_tray.log.tradelog import TradeLog

__all__ = ["MARKETS", "build_log"]

#: 12 markets: (strategy, symbol).
MARKETS = [
    (strategy, symbol)
    for strategy in ("BTC_Momentum_Scalp", "Mean_Reversion_4h", "Grid_Range_Bot")
    for symbol in ("BTCUSDT", "ETHUSDT", "SOLUSDT", "XRPUSDT")
]
_STATUSES = ("EXECUTED",) * 19 + ("FAILED",)


def build_log(path: Path, count: int, *, days: float = 365.0, end: float = 1_764_547_200.0, seed: int = 11) -> None:
    """``count`` signals spread evenly over the ``days`` before ``end``, oldest first, ids 1..count.

    Every 12th market cycle, prices walk; each frame is what the engine would have sent.
    """
    TradeLog(path).close()  # the app's own schema
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA synchronous=OFF")
    db.execute("PRAGMA cache_size=-262144")  # 256 MB: the indexes are built in memory, written once
    rng = random.Random(seed)
    step = days * 86400 / max(count, 1)
    start = end - days * 86400
    db.execute("BEGIN")
    rows = []
    for number in range(count):
        strategy, symbol = MARKETS[rng.randrange(len(MARKETS))]
        action = "BUY" if rng.random() < 0.5 else "SELL"
        price = f"{100 + rng.random() * 1000:.2f}"
        amount = f"{rng.random():.4f}"
        status = _STATUSES[number % 20]
        size_type = "percent" if number % 3 else "quantity"
        frame = (f'{{"type": "STRATEGY_SIGNAL", "action": "{action}", "price": {price}, "amount": {amount}, '
                 f'"sizeType": "{size_type}", "orderType": "Market", "symbol": "{symbol}", '
                 f'"strategyName": "{strategy}", "tradeType": "live", "status": "{status}"}}')  # fmt: skip
        rows.append((start + number * step, strategy, symbol, action, float(amount), size_type, float(price),
                     "Market", "live", status, frame))  # fmt: skip
        if len(rows) == 50_000:
            _insert(db, rows)
            rows = []
    _insert(db, rows)
    db.execute("COMMIT")
    db.close()
    trade_log = TradeLog(path)
    trade_log.rebuild_totals()
    trade_log.close()


def _insert(db: sqlite3.Connection, rows: list[tuple[object, ...]]) -> None:
    db.executemany(
        "INSERT INTO trades (received_at, strategy, symbol, action, amount, size_type, price, order_type,"
        " trade_type, status, raw) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
