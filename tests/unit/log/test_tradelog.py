"""The trade log: a real SQLite file, appended in batches, read newest first, exported from a shell."""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from algomesh_tray.feed.protocol import MAX_TEXT_CHARS, ReceivedSignal, RejectedSignal, StrategySignal, parse_frame
from algomesh_tray.feed.records import TradeRecord
from algomesh_tray.log.export import EXPORT_FIELDS, write_csv, write_json
from algomesh_tray.log.tradelog import TradeLog, open_trade_log, read_recent
from algomesh_tray.util.days import start_of_today

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
    formula = received(1, strategy='=HYPERLINK("http://example.invalid","x")')
    stream = io.StringIO()
    write_csv([TradeRecord(1, formula.received_at, formula.signal, formula.raw)], stream)
    (row,) = list(csv.DictReader(io.StringIO(stream.getvalue())))
    assert row["strategyName"] == "'" + formula.signal.strategy_name
    assert row["price"] == "101.0"


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


def test_json_export_is_the_records_as_the_engine_names_fields() -> None:
    """write_json gives an array of objects with EXPORT_FIELDS, numbers as numbers."""
    signal = received(1)
    stream = io.StringIO()
    write_json([TradeRecord(7, signal.received_at, signal.signal, signal.raw)], stream)
    (row,) = json.loads(stream.getvalue())
    assert tuple(row) == EXPORT_FIELDS
    assert row["id"] == 7 and row["price"] == 101.0 and row["action"] == "BUY" and row["sizeType"] == "fixed"


def test_a_damaged_trade_log_is_moved_aside_not_overwritten(tmp_path: Path) -> None:
    """Garbage where the log should be: kept under a new name, a fresh log started, the user told."""
    path = tmp_path / "trades.sqlite3"
    garbage = b"this is not a database" * 100
    path.write_bytes(garbage)
    trade_log, message = open_trade_log(path)
    assert message is not None and "damaged" in message and "moved to" in message
    (aside,) = tmp_path.glob("trades.sqlite3.corrupt-*")
    assert aside.read_bytes() == garbage
    assert trade_log.count() == 0 and trade_log.path == path
    trade_log.append_many([received(1)])
    assert TradeLog(path).count() == 1


def test_an_unreachable_folder_gives_an_in_memory_log_and_a_message(tmp_path: Path) -> None:
    """The data folder cannot be created (a file is in the way): signals are kept in memory."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    trade_log, message = open_trade_log(blocker / "trades.sqlite3")
    assert trade_log.path is None
    assert message is not None and "kept in memory" in message
    assert trade_log.append_many([received(1)])[0].id == 1


def test_an_existing_log_is_opened_without_a_message(tmp_path: Path) -> None:
    """What a first session wrote is there for the next: the file is reused, not replaced."""
    path = tmp_path / "trades.sqlite3"
    first, _ = open_trade_log(path)
    first.append_many([received(1), received(2)])
    first.close()
    second, message = open_trade_log(path)
    assert message is None and second.count() == 2


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


def test_read_recent_sees_what_a_running_writer_committed(tmp_path: Path) -> None:
    """The history reader opens read-only beside the app's open log and sees every committed batch."""
    path = tmp_path / "trades.sqlite3"
    writer = TradeLog(path)
    writer.append_many([received(n) for n in range(1, 4)])
    assert [record.id for record in read_recent(path, 2)] == [3, 2]
    writer.append_many([received(4)])
    assert [record.id for record in read_recent(path, -1)] == [4, 3, 2, 1]
    assert read_recent(path, 1)[0] == writer.recent(1)[0]
    writer.close()


def test_read_recent_of_a_missing_log_raises_and_creates_nothing(tmp_path: Path) -> None:
    """Unlike TradeLog, reading makes no folder and no file: a log that is not there is an error."""
    with pytest.raises(sqlite3.OperationalError):
        read_recent(tmp_path / "no" / "folder" / "trades.sqlite3", 10)
    with pytest.raises(sqlite3.OperationalError):
        read_recent(tmp_path / "trades.sqlite3", 10)
    assert list(tmp_path.iterdir()) == []


def test_read_recent_of_a_log_being_created_is_empty_but_a_foreign_database_is_an_error(tmp_path: Path) -> None:
    """The app creates the file a moment before its table: a reader then sees no trades, not an error.
    A database with other tables is somebody else's and stays an error."""
    starting = tmp_path / "trades.sqlite3"
    starting.touch()
    assert read_recent(starting, 10) == []
    foreign = tmp_path / "other.sqlite3"
    with sqlite3.connect(foreign) as db:
        db.execute("CREATE TABLE orders (id INTEGER)")
    db.close()
    with pytest.raises(sqlite3.OperationalError, match="no such table: trades"):
        read_recent(foreign, 10)


def test_read_recent_of_a_damaged_log_raises_and_leaves_it_as_it_is(tmp_path: Path) -> None:
    """Damage is reported, not repaired: the file is not moved aside or rewritten by a reader."""
    path = tmp_path / "trades.sqlite3"
    path.write_bytes(b"not a database" * 100)
    with pytest.raises(sqlite3.DatabaseError):
        read_recent(path, 10)
    assert path.read_bytes() == b"not a database" * 100 and list(tmp_path.iterdir()) == [path]


def test_csv_export_replaces_terminal_controls_but_keeps_the_whole_text() -> None:
    """ESC, BEL, C1, DEL, newlines and direction overrides become U+FFFD; nothing is shortened or dropped."""
    odd = received(1, strategy="\x1b]0;pwn\x07" + "\u202eName\u2069\x9b\x7f\r\n" + "y" * 300)
    stream = io.StringIO()
    write_csv([TradeRecord(1, odd.received_at, odd.signal, odd.raw)], stream)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2
    (row,) = list(csv.DictReader(io.StringIO(stream.getvalue())))
    assert row["strategyName"] == "\ufffd]0;pwn\ufffd\ufffdName\ufffd\ufffd\ufffd\ufffd\ufffd" + "y" * 300


def test_csv_export_guards_formulas_hidden_behind_a_control_character() -> None:
    """A tab or carriage return before '=' still gets the quote that keeps it text."""
    for prefix in ("\t", "\r"):
        odd = received(1)  # the parser strips edge whitespace; another writer of the log might not
        signal = replace(odd.signal, strategy_name=prefix + "=1+1")
        stream = io.StringIO()
        write_csv([TradeRecord(1, odd.received_at, signal, odd.raw)], stream)
        (row,) = list(csv.DictReader(io.StringIO(stream.getvalue())))
        assert row["strategyName"] == "'\ufffd=1+1"


def test_json_export_escapes_terminal_controls_and_reads_back_exactly() -> None:
    """DEL, C1 and direction characters are written as \\u escapes (json only escapes C0); decoding is lossless."""
    name = "\x1b]0;pwn\x07\x7f\x85\x9b\u061c\u200e\u202a\u202e\u2066\u2069 Стратегия 日本 \u00a0€"
    odd = received(1, strategy=name)
    stream = io.StringIO()
    write_json([TradeRecord(1, odd.received_at, odd.signal, odd.raw)], stream)
    text = stream.getvalue()
    assert not re.findall("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]", text)
    assert "Стратегия 日本 \u00a0€" in text
    (row,) = json.loads(text)
    assert row["strategyName"] == name
