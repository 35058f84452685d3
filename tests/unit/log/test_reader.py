"""TradeLogReader on a real SQLite file: reads on their own connections never wait for the writer,
and never hold it up; exports stream to the file with progress, and can be cancelled."""

from __future__ import annotations

import csv
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from algomesh_tray.feed.protocol import ReceivedSignal, StrategySignal
from algomesh_tray.log.query import TradeQuery
from algomesh_tray.log.reader import ExportCancelled, TradeLogReader
from algomesh_tray.log.tradelog import TradeLog
from algomesh_tray.util.days import start_of_today

START = 1_764_000_000.0
#: Generous: the machine is shared; a blocked call would wait for the other side's event, forever.
DEADLINE = 10.0


def received(number: int, symbol: str = "BTCUSDT") -> ReceivedSignal:
    signal = StrategySignal(action="BUY", symbol=symbol, price=100.0 + number, amount=1.0, size_type="percent",
                            order_type="Market", strategy_name="Scalp", trade_type="live",
                            status="EXECUTED")  # fmt: skip
    return ReceivedSignal(signal, START + number, "{}")


@pytest.fixture
def trade_log(tmp_path: Path) -> TradeLog:
    trade_log = TradeLog(tmp_path / "trades.sqlite3")
    trade_log.append_many([received(n) for n in range(1000)])
    return trade_log


def test_reads_during_a_long_write_answer_at_once_with_the_last_commit(trade_log: TradeLog) -> None:
    """A write transaction held open (a huge batch): totals and pages come back meanwhile, from
    the last commit, and the write then commits."""
    assert trade_log.path is not None
    reader = TradeLogReader(trade_log.path)
    writing, release = threading.Event(), threading.Event()

    def long_write() -> None:
        writer = sqlite3.connect(trade_log.path, isolation_level=None)  # type: ignore[arg-type]
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("INSERT INTO trades SELECT NULL, received_at + 5000, strategy, symbol, action, amount,"
                       " size_type, price, order_type, trade_type, status, raw, engine FROM trades")  # fmt: skip
        writing.set()
        release.wait(DEADLINE)
        writer.execute("COMMIT")
        writer.close()

    thread = threading.Thread(target=long_write)
    thread.start()
    try:
        assert writing.wait(DEADLINE)
        totals = reader.totals(start_of_today(START)).result(timeout=DEADLINE)
        page = reader.page(TradeQuery(), after=None, limit=3).result(timeout=DEADLINE)
        assert thread.is_alive()  # the write is still open: these did not wait for it
        assert sum(total.signals for total in totals.markets) == 1000 and totals.newest_trade_id == 1000
        assert [record.id for record in page] == [1000, 999, 998]
    finally:
        release.set()
        thread.join(DEADLINE)
        reader.close()
    assert trade_log.count() == 2000


def test_a_long_read_does_not_hold_up_the_writer(trade_log: TradeLog) -> None:
    """The reader in the middle of a long walk (its snapshot open): the writer's batches commit
    meanwhile, and the reader then goes on seeing its own snapshot."""
    assert trade_log.path is not None
    reader = TradeLogReader(trade_log.path)
    reading, release = threading.Event(), threading.Event()

    def long_read(db: sqlite3.Connection) -> tuple[int, int]:
        db.execute("BEGIN")
        cursor = db.execute("SELECT id FROM trades ORDER BY id")
        cursor.fetchmany(10)
        reading.set()
        release.wait(DEADLINE)
        seen = 10 + len(cursor.fetchall())
        db.execute("COMMIT")
        return seen, db.execute("SELECT count(*) FROM trades").fetchone()[0]

    future = reader.submit(long_read)
    try:
        assert reading.wait(DEADLINE)
        began = time.monotonic()
        for batch in range(20):
            trade_log.append_many([received(1000 + batch * 10 + n) for n in range(10)])
        took = time.monotonic() - began
        assert not future.done()  # the read was open all along
    finally:
        release.set()
    assert future.result(timeout=DEADLINE) == (1000, 1200)
    reader.close()
    assert took < 5.0  # a writer made to wait would wait busy_timeout (5 s) for the first batch


def test_export_streams_what_the_query_matches_with_progress(trade_log: TradeLog, tmp_path: Path) -> None:
    """Every matching trade, newest first, a header; progress rises to 1.0 and counts rows."""
    assert trade_log.path is not None
    trade_log.append_many([received(2000 + n, symbol="ETHUSDT") for n in range(12_000)])
    reader = TradeLogReader(trade_log.path)
    progress: list[tuple[int, float]] = []
    target = tmp_path / "export.csv"
    count = reader.export_csv(TradeQuery(text="eth"), target, on_progress=lambda *step: progress.append(step))
    assert count.result(timeout=DEADLINE * 3) == 12_000
    reader.close()
    with target.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert len(rows) == 12_000 and {row["symbol"] for row in rows} == {"ETHUSDT"}
    assert [int(row["id"]) for row in rows[:2]] == [13_000, 12_999]
    assert [rows for rows, _ in progress] == [5000, 10_000, 12_000]
    fractions = [fraction for _, fraction in progress]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0 and 0 < fractions[0] < 1


def test_an_oldest_first_export_writes_oldest_first_with_progress_rising(trade_log: TradeLog, tmp_path: Path) -> None:
    """The query's order is the file's: oldest first from the first matching trade; progress still rises to 1.0."""
    assert trade_log.path is not None
    trade_log.append_many([received(2000 + n, symbol="ETHUSDT") for n in range(12_000)])
    reader = TradeLogReader(trade_log.path)
    progress: list[tuple[int, float]] = []
    target = tmp_path / "export.csv"
    query = TradeQuery(text="eth", oldest_first=True)
    count = reader.export_csv(query, target, on_progress=lambda *step: progress.append(step))
    assert count.result(timeout=DEADLINE * 3) == 12_000
    reader.close()
    with target.open(encoding="utf-8", newline="") as stream:
        ids = [int(row["id"]) for row in csv.DictReader(stream)]
    assert ids == list(range(1001, 13_001))
    fractions = [fraction for _, fraction in progress]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0 and 0 < fractions[0] < 1


def test_a_cancelled_export_stops_and_leaves_no_file(trade_log: TradeLog, tmp_path: Path) -> None:
    """Cancel at the first progress report: ExportCancelled, the partial file removed."""
    assert trade_log.path is not None
    trade_log.append_many([received(2000 + n) for n in range(12_000)])
    reader = TradeLogReader(trade_log.path)
    cancel = threading.Event()
    target = tmp_path / "export.csv"
    future = reader.export_csv(TradeQuery(), target, on_progress=lambda *_: cancel.set(), cancel=cancel)
    with pytest.raises(ExportCancelled):
        future.result(timeout=DEADLINE * 3)
    reader.close()
    assert not target.exists()


def test_a_missing_log_fails_the_future_not_the_thread(tmp_path: Path) -> None:
    """No log (the app fell back to memory): each read fails with sqlite3.Error; the reader goes on."""
    reader = TradeLogReader(tmp_path / "none" / "trades.sqlite3")
    for _ in range(2):
        with pytest.raises(sqlite3.Error):
            reader.page(TradeQuery(), after=None, limit=5).result(timeout=DEADLINE)
    reader.close()
