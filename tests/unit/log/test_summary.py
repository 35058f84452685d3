"""Per-market totals without Qt: counting, and a new day at local midnight."""

from __future__ import annotations

import time
from pathlib import Path

from algomesh_tray.feed.protocol import ReceivedSignal, RejectedSignal, StrategySignal
from algomesh_tray.feed.records import RejectedRecord, TradeRecord
from algomesh_tray.log.summary import Summary
from algomesh_tray.log.tradelog import TradeLog
from algomesh_tray.util.days import start_of_today

NOON = time.mktime((2026, 11, 25, 12, 0, 0, 0, 0, -1))


def record(
    received_at: float, *, action: str = "BUY", amount: float = 1.0, symbol: str = "BTCUSDT",
    size_type: str = "percent", price: float = 100.0,
) -> TradeRecord:  # fmt: skip
    signal = StrategySignal(action=action, price=price, amount=amount, size_type=size_type, order_type="Market",
                            symbol=symbol, strategy_name="S", trade_type="live", status="EXECUTED")  # fmt: skip
    return TradeRecord(None, received_at, signal, "{}")


def test_counts_per_market_today_and_all_time() -> None:
    summary = Summary(today_starts=start_of_today(NOON))
    summary.add_all([record(NOON - 86400, action="SELL"), record(NOON, amount=2.0), record(NOON, symbol="ETHUSDT")])
    btc, eth = summary.rows
    assert (btc.signals, btc.buys, btc.sells, btc.today_signals) == (2, 1, 1, 1)
    assert (btc.volume, btc.today_volume) == ({"percent": 3.0}, {"percent": 2.0})
    assert (eth.symbol, eth.signals, eth.today_signals) == ("ETHUSDT", 1, 1)


def test_volume_per_size_type_and_rejected_signals_alike_live_and_from_the_log(tmp_path: Path) -> None:
    """Percent and quantity are never added together; rejected signals count against the market they
    name (a market may have nothing else); the log's totals equal the live count."""
    yesterday = NOON - 86400
    records = [  # markets first seen out of alphabetical order: rows keep the order seen
        record(yesterday - 1, symbol="ETHUSDT", amount=4.0, price=3000.0),
        record(yesterday, size_type="quantity", amount=0.5, price=90.0),
        record(NOON, amount=2.0, price=101.0),
        record(NOON, action="SELL", amount=1.0, price=102.0),
        record(NOON + 1, size_type="quantity", amount=0.25, price=103.0),
    ]
    live = Summary(today_starts=start_of_today(NOON))
    live.add_all(records)
    btc = live.rows[1]
    assert btc.volume == {"quantity": 0.75, "percent": 3.0}
    assert btc.today_volume == {"percent": 3.0, "quantity": 0.25}
    assert (btc.signals, btc.buys, btc.sells, btc.last_price, btc.last_seen) == (4, 3, 1, 103.0, NOON + 1)

    rejected = [
        RejectedSignal("S", "BTCUSDT", "field 'price' should be a number, got str", yesterday, "{}"),
        RejectedSignal("S", "XRPUSDT", "field 'amount' is missing", NOON, "{}"),
        RejectedSignal("S", "BTCUSDT", "field 'status' is empty", NOON, "{}"),
        RejectedSignal("S", "ADAUSDT", "field 'action' is missing", NOON, "{}"),
    ]
    for rejection in rejected:
        live.add_rejected(RejectedRecord(None, rejection))
    assert (btc.rejected, btc.today_rejected, btc.last_rejection) == (2, 1, "field 'status' is empty")
    assert [row.symbol for row in live.rows] == ["ETHUSDT", "BTCUSDT", "XRPUSDT", "ADAUSDT"]
    xrp = live.rows[2]
    assert (xrp.signals, xrp.rejected, xrp.volume) == (0, 1, {})

    trade_log = TradeLog(tmp_path / "trades.sqlite3")
    trade_log.append_many([ReceivedSignal(r.signal, r.received_at, r.raw) for r in records])
    assert [record.id for record in trade_log.append_rejected(rejected)] == [1, 2, 3, 4]
    totals = trade_log.market_totals(start_of_today(NOON))
    assert (totals.newest_trade_id, totals.newest_rejected_id) == (len(records), len(rejected))
    assert Summary.from_totals(totals, today_starts=start_of_today(NOON)).rows == live.rows


def test_a_new_day_zeroes_today_and_keeps_all_time() -> None:
    """The app runs for weeks: after midnight "today" starts again from nothing."""
    summary = Summary(today_starts=start_of_today(NOON))
    summary.add_all([record(NOON), record(NOON, symbol="ETHUSDT")])
    summary.add_rejected(RejectedRecord(None, RejectedSignal("S", "BTCUSDT", "field 'price' is missing", NOON, "{}")))
    assert summary.roll_over(NOON + 6 * 3600) is False  # 18:00, same day
    assert (summary.rows[0].today_signals, summary.rows[0].today_rejected) == (1, 1)

    tomorrow_morning = NOON + 20 * 3600
    assert summary.roll_over(tomorrow_morning) is True
    assert summary.today_starts == start_of_today(tomorrow_morning)
    assert [(row.today_signals, row.today_volume, row.signals) for row in summary.rows] == [(0, {}, 1), (0, {}, 1)]
    assert (summary.rows[0].today_rejected, summary.rows[0].rejected) == (0, 1)
    summary.add(record(tomorrow_morning))
    assert (summary.rows[0].today_signals, summary.rows[0].signals) == (1, 2)
    assert summary.roll_over(tomorrow_morning + 60) is False
