"""The whole log as CSV from two processes (a real fork, real pipes, a real SQLite file): the same
text one process writes, held to the command's snapshot, and a helper that fails is reported."""

from __future__ import annotations

import io
import os
import random
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from algomesh_tray.feed.protocol import ReceivedSignal, StrategySignal
from algomesh_tray.log import parallel_csv as csv_pair
from algomesh_tray.log.export import EXPORT_COLUMNS, write_csv_rows
from algomesh_tray.log.parallel_csv import CsvPair
from algomesh_tray.log.query import TradeQuery, iter_rows, time_slices
from algomesh_tray.log.read_only import connect_read_only
from algomesh_tray.log.tradelog import TradeLog

START = 1_764_000_000.0

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="two processes are a POSIX path")


@pytest.fixture
def trade_log(tmp_path: Path) -> Iterator[Path]:
    """3,000 trades, runs of them at one time, some texts that CSV must quote or guard."""
    path = tmp_path / "trades.sqlite3"
    rng = random.Random(5)
    log = TradeLog(path)
    at = START
    batch = []
    for number in range(3000):
        at += rng.choice([0.0, 0.0, 0.5, 60.0])
        signal = StrategySignal(
            action=rng.choice(["BUY", "SELL"]), symbol=rng.choice(["BTCUSDT", "ETH,USDT"]), price=100.0 + number,
            amount=rng.random(), size_type="percent", order_type="Market",
            strategy_name=rng.choice(["Scalp", '=Grid "Bot"', "Ünïcode ✓"]), trade_type="live", status="EXECUTED",
        )  # fmt: skip
        batch.append(ReceivedSignal(signal, at, "{}"))
    log.append_many(batch)
    log.close()
    yield path


def one_process(path: Path, query: TradeQuery) -> str:
    db = connect_read_only(path)
    out = io.StringIO()
    write_csv_rows(iter_rows(db, query, columns=EXPORT_COLUMNS), out)
    db.close()
    return out.getvalue()


def two_processes(path: Path, query: TradeQuery) -> str:
    pair = CsvPair.start(path, query)
    assert pair is not None
    try:
        db = connect_read_only(path)
        db.execute("BEGIN")
        out = io.StringIO()
        pair.write_csv(db, query, out)
        db.close()
    finally:
        pair.close()
    return out.getvalue()


@pytest.mark.parametrize(
    "query",
    [TradeQuery(), TradeQuery(text="scalp"), TradeQuery(symbol="ETH,USDT"), TradeQuery(since=START + 20_000)],
    ids=repr,
)
@pytest.mark.parametrize("slice_rows", [50, 999, 10_000])
def test_two_processes_write_what_one_does(
    trade_log: Path, query: TradeQuery, slice_rows: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Many slices (the helper writes half), few, or one (the helper writes none)."""
    monkeypatch.setattr(csv_pair, "SLICE_ROWS", slice_rows)
    expected = one_process(trade_log, query)
    assert expected.count("\n") > 100
    assert two_processes(trade_log, query) == expected


def test_trades_logged_after_the_command_began_are_not_written(
    trade_log: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The helper opens the log after the command's snapshot; the newest id keeps it to that
    snapshot, even for a trade appended with an old time (a clock set back), in the helper's half."""
    monkeypatch.setattr(csv_pair, "SLICE_ROWS", 50)
    expected = one_process(trade_log, TradeQuery())
    pair = CsvPair.start(trade_log, TradeQuery())
    assert pair is not None
    try:
        db = connect_read_only(trade_log)
        db.execute("BEGIN")
        db.execute("SELECT count(*) FROM trades").fetchone()  # the snapshot is taken
        log = TradeLog(trade_log)
        signal = StrategySignal(
            action="BUY", symbol="LATE", price=1.0, amount=1.0, size_type="percent", order_type="Market",
            strategy_name="Late", trade_type="live", status="EXECUTED",
        )  # fmt: skip
        log.append_many([ReceivedSignal(signal, START + 1.0, "{}"), ReceivedSignal(signal, START + 9e9, "{}")])
        log.close()
        out = io.StringIO()
        pair.write_csv(db, TradeQuery(), out)
        db.close()
    finally:
        pair.close()
    assert out.getvalue() == expected
    assert "LATE" in one_process(trade_log, TradeQuery())


def test_a_helper_that_cannot_read_the_log_is_reported_not_hidden(
    trade_log: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The helper's error reaches the command, which says so instead of writing half the log."""

    def refused(path: Path) -> sqlite3.Connection:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(csv_pair, "SLICE_ROWS", 100)
    monkeypatch.setattr(csv_pair, "connect_read_only", refused)  # in the helper only: forked with it
    pair = CsvPair.start(trade_log, TradeQuery())
    assert pair is not None
    db = connect_read_only(trade_log)
    db.execute("BEGIN")
    out = io.StringIO()
    with pytest.raises(sqlite3.DatabaseError, match="disk I/O error"):
        pair.write_csv(db, TradeQuery(), out)
    first_slice = next(time_slices(db, TradeQuery(), 100))
    assert out.getvalue().count("\n") == 1 + len(list(iter_rows(db, first_slice)))  # the header, then no more
    db.close()
    pair.close()


class ClosedPipe(io.StringIO):
    """Standard output whose reader has gone (`history | head`), after ``lines`` lines."""

    def __init__(self, lines: int) -> None:
        super().__init__()
        self.lines = lines

    def write(self, text: str, /) -> int:
        if self.getvalue().count("\n") >= self.lines:
            raise BrokenPipeError
        return super().write(text)


@pytest.mark.parametrize("lines", [None, 0, 1000])
def test_a_command_that_stops_early_stops_and_reaps_the_helper(
    trade_log: Path, monkeypatch: pytest.MonkeyPatch, lines: int | None
) -> None:
    """Stopped before it began (None: an error of its own), or by a reader that has had enough,
    while the helper is blocked on a full pipe: no process is left behind."""
    monkeypatch.setattr(csv_pair, "SLICE_ROWS", 50)
    monkeypatch.setattr(csv_pair, "_PIPE_BYTES", 4096)  # the smallest pipe: the helper blocks at once
    pair = CsvPair.start(trade_log, TradeQuery())
    assert pair is not None
    if lines is not None:
        db = connect_read_only(trade_log)
        db.execute("BEGIN")
        with pytest.raises(BrokenPipeError):
            pair.write_csv(db, TradeQuery(), ClosedPipe(lines))
        db.close()
    pair.close()
    with pytest.raises(ChildProcessError):  # reaped: no such child any more
        os.waitpid(pair.helper_pid, os.WNOHANG)
