"""Opening the trade log: a damaged file moved aside, an unwritable folder, an existing log."""

from __future__ import annotations

from pathlib import Path

from algomesh_tray.log.recovery import open_trade_log
from algomesh_tray.log.tradelog import TradeLog

from .samples import received


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
