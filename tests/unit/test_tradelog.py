"""The trade log: a real SQLite file, appended in batches, read newest first, exported from a shell."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from algomesh_tray.protocol import ReceivedSignal, StrategySignal, parse_frame
from algomesh_tray.tradelog import TradeLog

BIN = Path(sys.executable).parent


def received(number: int, *, strategy: str = "BTC_Momentum_Scalp") -> ReceivedSignal:
    raw = json.dumps(
        {"type": "STRATEGY_SIGNAL", "action": "BUY" if number % 2 else "SELL", "price": 100.0 + number,
         "amount": 0.5, "sizeType": "fixed", "orderType": "Market", "symbol": "BTCUSDT", "strategyName": strategy,
         "tradeType": "live", "status": "EXECUTED"}
    )  # fmt: skip
    signal = parse_frame(raw)
    assert isinstance(signal, StrategySignal)
    return ReceivedSignal(signal, 1_700_000_000.0 + number, raw)


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


def test_history_command_prints_json_csv_and_a_table(tmp_path: Path) -> None:
    """`algomesh-tray history` exports the log newest first in each format, with --limit."""
    trade_log = TradeLog(tmp_path / "trades.sqlite3")
    trade_log.append_many([received(n, strategy=f"S{n}") for n in range(1, 4)])
    trade_log.close()

    def history(*arguments: str) -> str:
        command = [str(BIN / "algomesh-tray"), "history", "--data-dir", str(tmp_path), *arguments]
        return subprocess.run(command, capture_output=True, text=True, check=True, timeout=30).stdout

    rows = json.loads(history("--format", "json"))
    assert [row["strategyName"] for row in rows] == ["S3", "S2", "S1"]
    assert rows[0]["price"] == 103.0 and rows[0]["receivedAt"] == 1_700_000_003.0
    table = list(csv.DictReader(io.StringIO(history("--format", "csv", "--limit", "2"))))
    assert [row["strategyName"] for row in table] == ["S3", "S2"]
    text = history().splitlines()
    assert len(text) == 3 and "BUY" in text[0] and "103.00" in text[0] and "S3" in text[0]


def test_history_on_a_new_machine_says_there_is_no_log_yet(tmp_path: Path) -> None:
    """No trade log yet: a message on stderr, an empty export, exit 0."""
    command = [str(BIN / "algomesh-tray"), "history", "--data-dir", str(tmp_path / "none"), "--format", "json"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=30)
    assert result.returncode == 0 and json.loads(result.stdout) == [] and "No trade log yet" in result.stderr


def test_history_does_not_import_qt(tmp_path: Path) -> None:
    """The history command never imports Qt (it must work over SSH, without a display)."""
    TradeLog(tmp_path / "trades.sqlite3").append_many([received(1)])
    code = (
        "import sys; from algomesh_tray.cli import main; main(['history', '--data-dir', sys.argv[1]]);"
        "assert not [m for m in sys.modules if m.startswith('PySide6')], 'Qt was imported'"
    )
    subprocess.run([sys.executable, "-c", code, str(tmp_path)], check=True, capture_output=True, timeout=30)


def test_csv_export_keeps_formula_looking_feed_text_as_text() -> None:
    """=HYPERLINK(...) from the feed must not run when the export is opened in a spreadsheet."""
    from algomesh_tray.tradelog import TradeRecord, write_csv

    formula = received(1, strategy='=HYPERLINK("http://example.invalid","x")')
    stream = io.StringIO()
    write_csv([TradeRecord(1, formula.received_at, formula.signal, formula.raw)], stream)
    (row,) = list(csv.DictReader(io.StringIO(stream.getvalue())))
    assert row["strategyName"] == "'" + formula.signal.strategy_name
    assert row["price"] == "101.0"
