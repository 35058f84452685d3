"""The trade log in trouble: full, damaged, unreachable. Notifications go on; nothing is lost."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from pathlib import Path

from algomesh_tray.pipeline import SignalPipeline
from algomesh_tray.protocol import ReceivedSignal, StrategySignal, parse_frame
from algomesh_tray.tradelog import TradeLog, TradeRecord, open_trade_log


def _received(number: int) -> ReceivedSignal:
    frame = json.dumps(
        {"type": "STRATEGY_SIGNAL", "action": "BUY", "price": 100.0 + number, "amount": 1, "sizeType": "fixed",
         "orderType": "Market", "symbol": "BTCUSDT", "strategyName": "S" * 2000, "tradeType": "live",
         "status": "EXECUTED"}
    )  # fmt: skip
    signal = parse_frame(frame)
    assert isinstance(signal, StrategySignal)
    return ReceivedSignal(signal, time.time(), frame)


async def _drain(pipeline: SignalPipeline, handed_on: list[TradeRecord], expected: int) -> None:
    deadline = asyncio.get_running_loop().time() + 10
    while len(handed_on) < expected:
        assert asyncio.get_running_loop().time() < deadline, "signals were not handed on in time"
        await asyncio.sleep(0.005)


def test_a_full_disk_keeps_signals_in_memory_and_writes_them_once_there_is_room(tmp_path: Path) -> None:
    """SQLITE_FULL: every signal is still handed on once, the user is told, and the log catches up."""
    path = tmp_path / "trades.sqlite3"
    trade_log = TradeLog(path)
    # A real "database or disk is full" from SQLite, without filling the machine's disk.
    trade_log._db.execute("PRAGMA max_page_count = 12")

    async def scenario() -> tuple[list[TradeRecord], list[str]]:
        handed_on: list[TradeRecord] = []
        errors: list[str] = []
        pipeline = SignalPipeline(trade_log, on_recorded=handed_on.extend, on_log_error=errors.append)
        pipeline.start()
        for number in range(60):
            pipeline.submit(_received(number))
            await asyncio.sleep(0)
        await _drain(pipeline, handed_on, 60)
        assert not pipeline.log_healthy
        await pipeline.run_in_writer(lambda: trade_log._db.execute("PRAGMA max_page_count = 1000000"))
        pipeline.submit(_received(60))
        await _drain(pipeline, handed_on, 61)
        await pipeline.close()
        return handed_on, errors

    handed_on, errors = asyncio.run(scenario())
    assert [record.signal.price for record in handed_on] == [100.0 + n for n in range(61)]
    assert any(record.id is None for record in handed_on)  # some were handed on before they were saved
    assert len(errors) == 1 and "cannot be written" in errors[0] and "full" in errors[0]
    reopened = TradeLog(path)
    assert sorted(record.signal.price for record in reopened.recent(1000)) == [100.0 + n for n in range(61)]


def test_a_damaged_trade_log_is_moved_aside_not_overwritten(tmp_path: Path) -> None:
    """Garbage where the log should be: kept under a new name, a fresh log started, the user told."""
    path = tmp_path / "trades.sqlite3"
    garbage = b"this is not a database" * 100
    path.write_bytes(garbage)
    trade_log, message = open_trade_log(path)
    assert message is not None and "moved to" in message
    (aside,) = tmp_path.glob("trades.sqlite3.corrupt-*")
    assert aside.read_bytes() == garbage
    assert trade_log.count() == 0 and trade_log.path == path


def test_an_unreachable_folder_gives_an_in_memory_log_and_a_message(tmp_path: Path) -> None:
    """The data folder cannot be created (a file is in the way): signals are kept in memory."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    trade_log, message = open_trade_log(blocker / "trades.sqlite3")
    assert trade_log.path is None
    assert message is not None and "kept in memory" in message
    assert trade_log.append_many([_received(1)])[0].id == 1


def test_an_existing_log_survives_reopening(tmp_path: Path) -> None:
    """What a first session wrote is there for the next: the file is reused, not replaced."""
    path = tmp_path / "trades.sqlite3"
    first, _ = open_trade_log(path)
    first.append_many([_received(1), _received(2)])
    first.close()
    second, message = open_trade_log(path)
    assert message is None
    assert second.count() == 2
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
