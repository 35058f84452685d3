"""The trade log: a real SQLite file, appended in batches, read newest first, exported from a shell."""

from __future__ import annotations

import sqlite3
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from algomesh_tray.feed.protocol import MAX_TEXT_CHARS, ReceivedSignal, RejectedSignal
from algomesh_tray.log.recovery import open_trade_log
from algomesh_tray.log.tradelog import TradeLog
from algomesh_tray.util.days import start_of_today

from .old_release import make_old_log
from .samples import received

BIN = Path(sys.executable).parent


def test_a_flood_of_rejected_signals_is_counted_per_market_and_day_not_stored_one_by_one(tmp_path: Path) -> None:
    """5,000 refused frames of one market over two days make two rows; the numbering goes on after a restart,
    so a dashboard never mistakes a new one for one it has counted."""
    path = tmp_path / "trades.sqlite3"
    today = start_of_today()
    trade_log = TradeLog(path)
    flood = [RejectedSignal("S", "BTCUSDT", f"reason {n}", today - 3600 if n < 1000 else today + 60, "{}")
             for n in range(5000)]  # fmt: skip
    assert [record.id for record in trade_log.append_rejected(flood)] == list(range(1, 5001))
    (rows,) = sqlite3.connect(path).execute("SELECT count(*) FROM rejected_signals").fetchone()
    assert rows == 2
    totals = trade_log.market_totals(today)
    assert totals.rejected == [("S", "BTCUSDT", 5000, 4000, "reason 4999")]
    trade_log.close()

    reopened = TradeLog(path)
    assert reopened.market_totals(today).newest_rejected_id == 5000
    (record,) = reopened.append_rejected([RejectedSignal("S", "BTCUSDT", "after restart", today + 120, "{}")])
    assert record.id == 5001


def test_a_batch_is_written_with_ids_and_read_back_newest_first(tmp_path: Path) -> None:
    """Ids follow arrival; recent() gives the newest first, with the raw frame and time kept."""
    trade_log = TradeLog(tmp_path / "trades.sqlite3")
    records = trade_log.append_many([received(n) for n in range(5)])
    assert [record.id for record in records] == [1, 2, 3, 4, 5]
    recent = trade_log.recent(3)
    assert [record.id for record in recent] == [5, 4, 3]
    assert recent[0].raw == received(4).raw and recent[0].received_at == 1_700_000_004.0
    assert recent[0].signal == received(4).signal
    assert trade_log.count() == 5


def test_the_file_is_in_wal_mode_and_survives_reopening(tmp_path: Path) -> None:
    """WAL, so a killed process keeps what was committed; a second open sees everything."""
    path = tmp_path / "deep" / "folder" / "trades.sqlite3"
    TradeLog(path).append_many([received(1)])
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert TradeLog(path).count() == 1


def test_a_failed_batch_is_rolled_back_whole(tmp_path: Path) -> None:
    """All or nothing: a batch that fails half-way leaves no half in the log."""
    trade_log = TradeLog(tmp_path / "trades.sqlite3")
    trade_log.append_many([received(1)])
    broken = ReceivedSignal(received(2).signal, received(2).received_at, None)  # type: ignore[arg-type]
    with pytest.raises(sqlite3.IntegrityError):
        trade_log.append_many([received(3), broken])
    assert [record.id for record in trade_log.recent(10)] == [1]


def test_in_memory_log_works_the_same(tmp_path: Path) -> None:
    """The fallback when no file can be used keeps the same behaviour."""
    trade_log = TradeLog(None)
    trade_log.append_many([received(1), received(2)])
    assert trade_log.count() == 2 and trade_log.path is None


def test_recent_respects_its_limit_at_the_edges(tmp_path: Path) -> None:
    """A limit of 0 gives nothing; a limit beyond the count gives everything, still newest first."""
    trade_log = TradeLog(tmp_path / "trades.sqlite3")
    trade_log.append_many([received(n) for n in range(3)])
    assert trade_log.recent(0) == []
    assert [record.id for record in trade_log.recent(100)] == [3, 2, 1]


def test_an_empty_log_and_an_empty_batch(tmp_path: Path) -> None:
    """A new log counts 0 and reads empty; writing an empty batch is harmless."""
    trade_log = TradeLog(tmp_path / "trades.sqlite3")
    assert (trade_log.count(), trade_log.recent(10)) == (0, [])
    assert trade_log.append_many([]) == []
    assert trade_log.count() == 0


def test_batches_are_committed_when_append_many_returns(tmp_path: Path) -> None:
    """Another connection (the history command, a crash-restart) sees a batch as soon as it is written."""
    path = tmp_path / "trades.sqlite3"
    trade_log = TradeLog(path)
    trade_log.append_many([received(1), received(2)])
    with sqlite3.connect(path) as other:
        rows = other.execute("SELECT id, strategy, price, raw FROM trades ORDER BY id").fetchall()
    assert rows == [
        (1, "BTC_Momentum_Scalp", 101.0, received(1).raw),
        (2, "BTC_Momentum_Scalp", 102.0, received(2).raw),
    ]


def test_ids_continue_after_reopening(tmp_path: Path) -> None:
    """A second session appends after the first; nothing is renumbered or replaced."""
    path = tmp_path / "trades.sqlite3"
    first = TradeLog(path)
    first.append_many([received(1), received(2)])
    first.close()
    second = TradeLog(path)
    assert [record.id for record in second.append_many([received(3)])] == [3]
    assert [record.signal.price for record in second.recent(10)] == [103.0, 102.0, 101.0]


def test_in_memory_logs_write_no_file_and_are_separate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Path None keeps everything in memory: nothing on disk, and two such logs do not share rows."""
    monkeypatch.chdir(tmp_path)
    first, second = TradeLog(None), TradeLog(None)
    first.append_many([received(1)])
    assert (first.count(), second.count()) == (1, 0)
    assert first.recent(1)[0].signal == received(1).signal
    assert list(tmp_path.iterdir()) == []


def test_whatever_text_the_parser_accepts_comes_back_unchanged(tmp_path: Path) -> None:
    """NUL, control and right-to-left characters, other scripts and text at the size limit round-trip."""
    odd = received(1)
    signal = replace(
        odd.signal, symbol="BTC\x00USDT", strategy_name="Стратегия\u202e_日本\n", status="x" * MAX_TEXT_CHARS
    )
    path = tmp_path / "trades.sqlite3"
    TradeLog(path).append_many([ReceivedSignal(signal, odd.received_at, odd.raw)])
    (back,) = TradeLog(path).recent(1)
    assert back.signal == signal


def _columns(path: Path) -> list[tuple[object, ...]]:
    """The trades table's columns as SQLite describes them (name, type, not null, default)."""
    with sqlite3.connect(path) as db:
        return [tuple(row[1:5]) for row in db.execute("PRAGMA table_info(trades)")]


def test_a_log_of_the_release_before_gets_the_engine_column_and_keeps_every_trade(tmp_path: Path) -> None:
    """Every old trade reads as AlgoMesh's (the one engine there was), waiting outbox rows too; new
    trades keep their engine; the totals stay counted; the table ends as a new log's is made."""
    path = tmp_path / "trades.sqlite3"
    make_old_log(path, [received(n) for n in range(1, 6)], bridge="telegram")
    assert "engine" not in [column[0] for column in _columns(path)]

    trade_log, message = open_trade_log(path)
    assert message is None  # the totals are still in step: nothing counted afresh
    assert [(record.id, record.engine) for record in trade_log.recent(10)] == [(n, "AlgoMesh") for n in range(5, 0, -1)]
    assert trade_log.recent(1)[0].raw == received(5).raw and trade_log.recent(1)[0].signal == received(5).signal
    (vps,) = trade_log.append_many([received(6, engine="VPS")], routes=[["telegram"]])
    assert vps.engine == "VPS" and trade_log.recent(1)[0].engine == "VPS"
    assert [item.record.engine for item in trade_log.outbox.waiting("telegram", 10) if item.record] == [
        *["AlgoMesh"] * 5,
        "VPS",
    ]
    assert sum(market.signals for market in trade_log.market_totals(0).markets) == 6
    trade_log.close()

    fresh = tmp_path / "fresh.sqlite3"
    TradeLog(fresh).close()
    assert _columns(path) == _columns(fresh)
    again, message = open_trade_log(path)  # opened again: nothing more to do
    assert message is None and [record.engine for record in again.recent(10)][:2] == ["VPS", "AlgoMesh"]
    again.close()


def test_the_engine_column_is_added_without_rewriting_the_trades(tmp_path: Path) -> None:
    """20,000 old trades fill thousands of pages; adding the column writes a few (the schema's), so
    opening a two-million-trade log takes no longer than a small one's (see the report's figure)."""
    path = tmp_path / "trades.sqlite3"
    make_old_log(path, [received(n) for n in range(1, 20_001)])
    with sqlite3.connect(path) as db:
        (pages,) = db.execute("PRAGMA page_count").fetchone()
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert pages > 1000
    trade_log = TradeLog(path)
    wal_pages = (Path(f"{path}-wal").stat().st_size - 32) // (4096 + 24)
    assert "engine" in [column[0] for column in _columns(path)]
    assert wal_pages < 10, f"{wal_pages} pages written: the trades were rewritten"
    assert trade_log.recent(1)[0].engine == "AlgoMesh" and trade_log.count() == 20_000
    trade_log.close()


def test_each_trade_is_logged_with_its_engine(tmp_path: Path) -> None:
    """Desk's and VPS's signals in one batch: each row holds its engine, read back as written."""
    trade_log = TradeLog(tmp_path / "trades.sqlite3")
    written = trade_log.append_many([received(1, engine="Desk"), received(2, engine="VPS"), received(3)])
    assert [record.engine for record in written] == ["Desk", "VPS", "AlgoMesh"]
    assert [record.engine for record in trade_log.recent(3)] == ["AlgoMesh", "VPS", "Desk"]
    trade_log.close()
