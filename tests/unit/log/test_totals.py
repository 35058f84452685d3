"""The dashboard's kept totals, on a real SQLite file: always equal to counting every trade afresh."""

from __future__ import annotations

import random
import sqlite3
import time
from pathlib import Path

import pytest

from algomesh_tray.feed.protocol import ReceivedSignal, RejectedSignal, StrategySignal
from algomesh_tray.log.read_only import connect_read_only
from algomesh_tray.log.recovery import open_trade_log
from algomesh_tray.log.totals import MarketTotal, count_totals, engine_totals, read_totals
from algomesh_tray.log.tradelog import TradeLog, engine_column
from algomesh_tray.util.days import start_of_today

from .old_release import make_old_log
from .samples import received

NOON = time.mktime((2026, 11, 25, 12, 0, 0, 0, 0, -1))
DAY = 86400.0


def signal_at(rng: random.Random, received_at: float) -> ReceivedSignal:
    signal = StrategySignal(
        action=rng.choice(["BUY", "SELL", "CLOSE"]), symbol=rng.choice(["BTCUSDT", "ETHUSDT", "SOLUSDT"]),
        price=round(rng.uniform(1, 1000), 2), amount=round(rng.uniform(0, 2), 3),
        size_type=rng.choice(["percent", "quantity"]), order_type="Market",
        strategy_name=rng.choice(["Scalp", "Grid"]), trade_type="live", status=rng.choice(["EXECUTED", "FAILED"]),
    )  # fmt: skip
    return ReceivedSignal(signal, received_at, "{}")


def assert_same(kept: list[MarketTotal], counted: list[MarketTotal]) -> None:
    """Equal market by market; volumes summed in another order may differ in the last bits."""
    assert len(kept) == len(counted)
    for mine, theirs in zip(kept, counted, strict=True):
        assert mine._replace(volume=0.0, today_volume=0.0) == theirs._replace(volume=0.0, today_volume=0.0)
        assert mine.volume == pytest.approx(theirs.volume) and mine.today_volume == pytest.approx(theirs.today_volume)


def recount(path: Path, today: float) -> list[MarketTotal]:
    db = sqlite3.connect(path)
    try:
        return count_totals(db, today)
    finally:
        db.close()


def kept(path: Path, today: float) -> list[MarketTotal]:
    db = sqlite3.connect(path, isolation_level=None)
    try:
        return read_totals(db, today).markets
    finally:
        db.close()


def test_random_batches_and_rejected_signals_keep_totals_equal_to_a_recount(tmp_path: Path) -> None:
    """Random batches over three days, rejected signals between them: kept totals == a full count."""
    rng = random.Random(7)
    path = tmp_path / "trades.sqlite3"
    trade_log = TradeLog(path)
    at = NOON - 2 * DAY
    for _ in range(60):
        batch = []
        for _ in range(rng.randint(1, 40)):
            at += rng.uniform(0, 3000)
            batch.append(signal_at(rng, at))
        trade_log.append_many(batch)
        trade_log.append_rejected([RejectedSignal("Scalp", "BTCUSDT", "bad price", at, "{}")])
    newest = trade_log.count()
    trade_log.close()
    db = sqlite3.connect(path)
    assert db.execute("SELECT counted_up_to, edited FROM totals_state").fetchone() == (newest, 0)  # kept, not counted
    db.close()
    for today in (start_of_today(NOON - DAY), start_of_today(NOON), start_of_today(NOON + DAY)):
        assert_same(kept(path, today), recount(path, today))
    assert sum(total.signals for total in kept(path, NOON)) == TradeLog(path).count()


def test_today_starts_again_at_local_midnight(tmp_path: Path) -> None:
    """Trades just before and after midnight: "today" counts only the new day's, as a recount does."""
    rng = random.Random(3)
    path = tmp_path / "trades.sqlite3"
    trade_log = TradeLog(path)
    midnight = start_of_today(NOON + DAY)
    trade_log.append_many([signal_at(rng, midnight - 60 + 20 * n) for n in range(6)])  # 3 before, 3 after
    trade_log.close()
    yesterday, today = kept(path, start_of_today(NOON)), kept(path, midnight)
    assert sum(total.today_signals for total in yesterday) == 6  # seen from yesterday, all count as "from today on"
    assert sum(total.today_signals for total in today) == 3
    assert sum(total.signals for total in today) == 6
    assert_same(today, recount(path, midnight))


def test_an_old_log_without_totals_is_counted_once_and_the_user_told_once(tmp_path: Path) -> None:
    """A log as an older version left it (trades only): counted afresh on opening, with a message;
    the next opening says nothing."""
    path = tmp_path / "trades.sqlite3"
    trade_log = TradeLog(path)
    rng = random.Random(5)
    trade_log.append_many([signal_at(rng, NOON + n) for n in range(50)])
    trade_log.close()
    db = sqlite3.connect(path)
    db.executescript("DROP TABLE market_totals; DROP TABLE day_totals; DROP TABLE totals_state;")
    db.close()
    reopened, message = open_trade_log(path)
    assert message is not None and "50 trades" in message and "older version" in message
    reopened.append_many([signal_at(rng, NOON + 100)])
    reopened.close()
    assert_same(kept(path, start_of_today(NOON)), recount(path, start_of_today(NOON)))
    again, message = open_trade_log(path)
    again.close()
    assert message is None


@pytest.mark.parametrize(
    ("edit", "why"),
    [
        ("DELETE FROM trades WHERE id % 3 = 0", "changed outside the app"),
        ("UPDATE trades SET amount = amount * 2 WHERE id < 5", "changed outside the app"),
        ("INSERT INTO trades SELECT NULL, received_at, strategy, 'NEWSYM', action, amount, size_type, price,"
         " order_type, trade_type, status, raw, engine FROM trades WHERE id = 1", "added to it"),
    ],
)  # fmt: skip
def test_a_hand_edited_log_is_counted_afresh(tmp_path: Path, edit: str, why: str) -> None:
    """Rows deleted, changed or added behind the app's back: the totals read meanwhile are still
    right (counted from the trades), and the next opening rebuilds them and says why."""
    path = tmp_path / "trades.sqlite3"
    trade_log = TradeLog(path)
    rng = random.Random(9)
    trade_log.append_many([signal_at(rng, NOON + n) for n in range(30)])
    db = sqlite3.connect(path)
    db.execute(edit)
    db.commit()
    db.close()
    today = start_of_today(NOON)
    assert_same(kept(path, today), recount(path, today))  # while the app still has it open
    trade_log.close()
    reopened, message = open_trade_log(path)
    assert message is not None and why in message
    reopened.close()
    db = sqlite3.connect(path)
    assert db.execute("SELECT counted_up_to = (SELECT max(id) FROM trades), edited FROM totals_state").fetchone() == (
        1,
        0,
    )
    db.close()
    assert_same(kept(path, today), recount(path, today))


def test_one_engines_totals_are_counted_from_its_trades_also_in_a_log_not_yet_migrated(tmp_path: Path) -> None:
    """engine_totals counts that engine's trades only (case aside); on a log of the release before,
    every trade is AlgoMesh's, read without changing the file."""
    path = tmp_path / "trades.sqlite3"
    trade_log = TradeLog(path)
    trade_log.append_many([received(n, engine="VPS" if n % 3 == 0 else "Desk") for n in range(1, 10)])
    trade_log.close()
    db = connect_read_only(path)
    vps = engine_totals(db, 0.0, "vps", engine_column(db))
    assert [(total.symbol, total.signals, total.last_id) for total in vps.markets] == [("BTCUSDT", 3, 9)]
    assert vps.newest_trade_id == 9 and not vps.rejected
    assert engine_totals(db, 0.0, "Nowhere", engine_column(db)).markets == []
    db.close()

    old = tmp_path / "old.sqlite3"
    make_old_log(old, [received(n) for n in range(1, 5)])
    before = old.read_bytes()
    db = connect_read_only(old)
    assert [total.signals for total in engine_totals(db, 0.0, "AlgoMesh", engine_column(db)).markets] == [4]
    assert engine_totals(db, 0.0, "VPS", engine_column(db)).markets == []
    db.close()
    assert old.read_bytes() == before
