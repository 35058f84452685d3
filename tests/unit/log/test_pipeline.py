"""Persist, then hand on: what the rest of the app sees is already in the trade log, even in trouble."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

from algomesh_tray.feed.protocol import FrameRejected, ReceivedSignal, RejectedSignal, StrategySignal, parse_frame
from algomesh_tray.feed.records import RejectedRecord, TradeRecord
from algomesh_tray.log.pipeline import SignalPipeline
from algomesh_tray.log.read_only import read_recent
from algomesh_tray.log.recovery import open_trade_log
from algomesh_tray.log.tradelog import TradeLog

from ...read_only import contents, held_to_file_modes, read_only
from ..conftest import example_frame, make_received, wait_until

REPO = Path(__file__).resolve().parents[3]


def bulky(number: int) -> ReceivedSignal:
    """A signal with a 2,000-character strategy name, so a few fill a size-capped log."""
    return make_received(number, strategyName="S" * 2000)


def test_signals_are_committed_before_they_are_handed_on_and_bursts_are_batched(tmp_path: Path) -> None:
    """Another connection sees each batch at hand-on; a burst arrives in fewer batches than signals."""
    path = tmp_path / "trades.sqlite3"
    seen_in_file: list[tuple[int, int]] = []

    def on_recorded(records: list[TradeRecord]) -> None:
        with sqlite3.connect(path) as db:
            committed = db.execute("SELECT count(*) FROM trades").fetchone()[0]
        seen_in_file.append((max(r.id or 0 for r in records), committed))

    async def scenario() -> None:
        pipeline = SignalPipeline(TradeLog(path), on_recorded=on_recorded)
        pipeline.start()
        for number in range(200):
            pipeline.submit(make_received(number))
        await wait_until(lambda: bool(seen_in_file) and seen_in_file[-1][0] == 200)
        await pipeline.close()

    asyncio.run(scenario())
    assert all(committed >= last_id for last_id, committed in seen_in_file)
    assert len(seen_in_file) < 200  # a burst queued during a write goes out in one transaction


def test_every_signal_is_handed_on_once_in_order_on_the_event_loop_thread(tmp_path: Path) -> None:
    """Records arrive with their log ids, in submission order, on the loop's thread (Qt's, in the app)."""
    handed_on: list[TradeRecord] = []
    threads: set[int] = set()

    def on_recorded(records: list[TradeRecord]) -> None:
        threads.add(threading.get_ident())
        handed_on.extend(records)

    async def scenario() -> None:
        pipeline = SignalPipeline(TradeLog(tmp_path / "trades.sqlite3"), on_recorded=on_recorded)
        pipeline.start()
        for number in range(30):
            pipeline.submit(make_received(number))
            if number % 7 == 0:
                await asyncio.sleep(0)  # let some batches go out between submissions
        await wait_until(lambda: len(handed_on) >= 30)
        await pipeline.close()

    asyncio.run(scenario())
    assert [record.signal.price for record in handed_on] == [100.0 + n for n in range(30)]
    assert [record.id for record in handed_on] == list(range(1, 31))
    assert threads == {threading.get_ident()}


def test_reads_run_on_the_writer_thread_and_return_their_result(tmp_path: Path) -> None:
    """run_in_writer gives back what the function returns, computed off the event loop thread."""

    async def scenario() -> tuple[int, bool]:
        trade_log = TradeLog(tmp_path / "trades.sqlite3")
        trade_log.append_many([make_received(1), make_received(2)])
        pipeline = SignalPipeline(trade_log, on_recorded=lambda records: None)
        count = await pipeline.run_in_writer(trade_log.count)
        off_loop = await pipeline.run_in_writer(lambda: threading.current_thread() is not threading.main_thread())
        await pipeline.close()
        return count, off_loop

    assert asyncio.run(scenario()) == (2, True)


def rejected_signal(number: int) -> RejectedSignal:
    """What the listener hands on for a STRATEGY_SIGNAL with a price as text."""
    frame = example_frame(price=f"{100 + number}")
    try:
        parse_frame(frame)
    except FrameRejected as rejection:
        signal = RejectedSignal.of(rejection, frame, 1_700_000_000.0 + number)
        assert signal is not None
        return signal
    raise AssertionError("the frame was accepted")


def test_rejected_signals_share_the_queue_are_kept_and_never_hold_back_good_ones(tmp_path: Path) -> None:
    """Rejected signals of a market are counted in the log after the signals they came with, and
    handed on with their numbers. When the log refuses them they are still handed on (without), and
    the signals around them are logged as ever; while the signals cannot be written, they are not
    even tried (each try could wait seconds on a locked log)."""
    path = tmp_path / "trades.sqlite3"
    trade_log = TradeLog(path)
    events: list[tuple[str, int | None]] = []
    counting_tries = 0

    def counting(batch: Sequence[RejectedSignal]) -> list[RejectedRecord]:
        nonlocal counting_tries
        counting_tries += 1
        return TradeLog.append_rejected(trade_log, batch)

    trade_log.append_rejected = counting  # type: ignore[method-assign]  # the real write, counted

    async def feed(first: int) -> SignalPipeline:
        pipeline = SignalPipeline(
            trade_log,
            on_recorded=lambda records: events.extend(("signal", record.id) for record in records),
            on_rejected_recorded=lambda records: events.extend(("rejected", record.id) for record in records),
        )
        pipeline.start()
        for number in range(first, first + 4):  # queued together: one batch
            pipeline.submit(make_received(number) if number % 2 == 0 else rejected_signal(number))
        await wait_until(lambda: len(events) == first + 4)
        return pipeline

    asyncio.run(feed(0))
    assert events == [("signal", 1), ("signal", 2), ("rejected", 1), ("rejected", 2)]
    with contextlib.closing(sqlite3.connect(path)) as db:
        kept = db.execute("SELECT strategy, symbol, count, last_reason, last_excerpt FROM rejected_signals").fetchall()
        db.execute("DROP TABLE rejected_signals")  # from now on the log cannot take them
    assert kept == [("BTC_Momentum_Scalp", "BTCUSDT", 2, "field 'price' should be a number, got str",
                     example_frame(price="103"))]  # fmt: skip

    asyncio.run(feed(4))
    assert events[4:] == [("signal", 3), ("signal", 4), ("rejected", None), ("rejected", None)]
    assert counting_tries == 2

    trade_log._db.execute("PRAGMA busy_timeout = 100")
    with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as blocker:
        blocker.execute("BEGIN IMMEDIATE")  # another program holds the log: "database is locked"
        healthy = asyncio.run(feed(8)).log_healthy
        blocker.execute("ROLLBACK")
    assert (healthy, counting_tries) == (False, 2)
    assert events[8:] == [("signal", None), ("signal", None), ("rejected", None), ("rejected", None)]
    assert TradeLog(path).count() == 4


def test_close_writes_what_is_still_queued(tmp_path: Path) -> None:
    """Quit right after a burst: everything submitted is in the log, and the file is closed."""
    path = tmp_path / "trades.sqlite3"
    trade_log = TradeLog(path)

    async def scenario() -> None:
        pipeline = SignalPipeline(trade_log, on_recorded=lambda records: None)
        pipeline.start()
        for number in range(50):
            pipeline.submit(make_received(number))
        await pipeline.close()

    asyncio.run(scenario())
    assert TradeLog(path).count() == 50
    try:
        trade_log.count()
    except sqlite3.ProgrammingError:
        pass
    else:
        raise AssertionError("close() left the trade log open")


def test_close_without_start_still_writes_and_hands_on(tmp_path: Path) -> None:
    """Signals submitted before the pipeline ran are written and handed on by close()."""
    path = tmp_path / "trades.sqlite3"
    handed_on: list[TradeRecord] = []

    async def scenario() -> None:
        pipeline = SignalPipeline(TradeLog(path), on_recorded=handed_on.extend)
        for number in range(3):
            pipeline.submit(make_received(number))
        await pipeline.close()

    asyncio.run(scenario())
    assert [record.id for record in handed_on] == [1, 2, 3]
    assert TradeLog(path).count() == 3


def test_close_while_the_writer_is_busy_loses_nothing(tmp_path: Path) -> None:
    """Quit while the writer thread is still reading (start-up history): a queued batch is still written."""
    path = tmp_path / "trades.sqlite3"

    async def scenario() -> None:
        pipeline = SignalPipeline(TradeLog(path), on_recorded=lambda records: None)
        pipeline.start()
        reading, release = threading.Event(), threading.Event()

        def slow_read() -> None:
            reading.set()
            release.wait(10)

        read = asyncio.ensure_future(pipeline.run_in_writer(slow_read))
        await wait_until(reading.is_set, what="the writer thread is busy")
        pipeline.submit(make_received(1))
        # The pipeline has taken the signal and queued its write behind the read (white-box wait).
        await wait_until(pipeline._queue.empty, what="the pipeline took the signal")
        closing = asyncio.ensure_future(pipeline.close())
        # close() has asked the task to stop (white-box: its stop marker is queued) while the write waits.
        await wait_until(lambda: not pipeline._queue.empty(), what="close() asked the pipeline to stop")
        release.set()
        await read
        await closing

    asyncio.run(scenario())
    assert TradeLog(path).count() == 1


def test_a_full_disk_keeps_signals_in_memory_and_writes_them_once_there_is_room(tmp_path: Path) -> None:
    """SQLITE_FULL: every signal is still handed on once, the user is told once, and the log catches up.

    Each signal is submitted only after the one before it was handed on, so each is its own write:
    once the log is full, every later write fails too, and "told once" is checked over many failures.
    """
    path = tmp_path / "trades.sqlite3"
    trade_log = TradeLog(path)
    # A real "database or disk is full" from SQLite, without filling the machine's disk.
    trade_log._db.execute("PRAGMA max_page_count = 12")
    batches: list[list[TradeRecord]] = []
    errors: list[str] = []
    health: list[bool] = []

    def handed_on() -> list[TradeRecord]:
        return [record for batch in batches for record in batch]

    async def scenario() -> None:
        pipeline = SignalPipeline(trade_log, on_recorded=batches.append, on_log_error=errors.append)

        async def submit_alone(received: ReceivedSignal) -> None:
            """Submit one signal and wait until it is handed on, so that it is a write of its own."""
            expected = len(batches) + 1
            pipeline.submit(received)
            await wait_until(lambda: len(batches) == expected, what=f"signal {received.signal.price} handed on")

        pipeline.start()
        for number in range(60):
            await submit_alone(bulky(number))
        health.append(pipeline.log_healthy)
        await pipeline.run_in_writer(lambda: trade_log._db.execute("PRAGMA max_page_count = 1000000"))
        await submit_alone(bulky(60))
        health.append(pipeline.log_healthy)
        await pipeline.close()

    asyncio.run(scenario())
    assert [len(batch) for batch in batches] == [1] * 61  # one write per signal
    assert [record.signal.price for record in handed_on()] == [100.0 + n for n in range(61)]  # once each, in order
    saved = [record.id is not None for record in handed_on()[:60]]
    first_failure = saved.index(False)  # fails with ValueError if the log never filled up
    assert saved == [True] * first_failure + [False] * (60 - first_failure)  # full stays full
    assert 60 - first_failure >= 2, f"only {60 - first_failure} failed write(s): 'told once' proves nothing"
    assert handed_on()[-1].id is not None
    assert len(errors) == 1 and "cannot be written" in errors[0] and "full" in errors[0]  # one message, many failures
    assert health == [False, True]
    reopened = TradeLog(path)
    assert sorted(record.signal.price for record in reopened.recent(1000)) == [100.0 + n for n in range(61)]
    assert reopened.count() == 61  # the kept signals were written once, not once per retry


def test_a_signal_the_log_can_never_store_does_not_block_the_ones_after_it(tmp_path: Path) -> None:
    """A permanent write error (here a lone surrogate the feed can send) must not stop logging for good."""
    path = tmp_path / "trades.sqlite3"
    poison = ReceivedSignal(
        StrategySignal(action="BUY", symbol="BTC\ud800", price=1.0, amount=1.0, size_type="fixed",
                       order_type="Market", strategy_name="S", trade_type="live", status="EXECUTED"),
        1_700_000_000.0, '{"symbol": "BTC\\ud800"}',
    )  # fmt: skip
    handed_on: list[TradeRecord] = []

    async def scenario() -> None:
        pipeline = SignalPipeline(TradeLog(path), on_recorded=handed_on.extend)
        pipeline.start()
        pipeline.submit(poison)
        await wait_until(lambda: len(handed_on) == 1)
        for number in range(1, 4):
            pipeline.submit(make_received(number))
        await wait_until(lambda: len(handed_on) == 4)
        await pipeline.close()

    asyncio.run(scenario())
    assert sorted(record.signal.price for record in TradeLog(path).recent(10)) == [101.0, 102.0, 103.0]


def test_a_log_found_damaged_while_running_is_moved_aside_and_a_new_one_takes_the_signals(tmp_path: Path) -> None:
    """The file opens (its first page is intact) but its table is garbage: one message, the damaged
    file kept aside, and every signal in the new log, none dropped."""
    path = tmp_path / "trades.sqlite3"
    old = TradeLog(path)
    old.append_many([make_received(n) for n in range(200)])
    old.close()
    with path.open("r+b") as damaged:  # keep page 1 (the schema), overwrite the table's pages
        damaged.seek(4096)
        damaged.write(b"\xff" * (path.stat().st_size - 4096))
    handed_on: list[TradeRecord] = []
    errors: list[str] = []
    errors_after_first: list[str] = []

    async def scenario() -> None:
        pipeline = SignalPipeline(TradeLog(path), on_recorded=handed_on.extend, on_log_error=errors.append)
        pipeline.start()
        # One signal first, the rest only once it is handed on: at least two writes, the second to the new log.
        pipeline.submit(make_received(1000))
        await wait_until(lambda: len(handed_on) == 1, what="the first signal handed on")
        errors_after_first.extend(errors)
        for number in range(1, 5):
            pipeline.submit(make_received(1000 + number))
        await wait_until(lambda: len(handed_on) == 5, what="the other four handed on")
        await pipeline.close()

    asyncio.run(scenario())
    assert [record.id for record in handed_on] == [1, 2, 3, 4, 5]  # all stored, in the new log
    assert len(errors_after_first) == 1 and "damaged" in errors[0] and "moved to" in errors[0]
    assert errors == errors_after_first  # the writes after the move are not reported again
    (aside,) = tmp_path.glob("trades.sqlite3.corrupt-*")
    assert aside.read_bytes()[4096:4200] == b"\xff" * 104  # the damaged file is kept as it was
    assert sorted(record.signal.price for record in TradeLog(path).recent(10)) == [1100.0 + n for n in range(5)]


def test_a_fault_downstream_of_the_log_does_not_stop_the_pipeline(tmp_path: Path) -> None:
    """If handing on one batch raises (a bug in a view or a bridge), later signals still flow."""
    handed_on: list[TradeRecord] = []

    def fragile(records: list[TradeRecord]) -> None:
        handed_on.extend(records)
        if len(handed_on) == 1:
            raise RuntimeError("a bug downstream")

    async def scenario() -> None:
        pipeline = SignalPipeline(TradeLog(tmp_path / "trades.sqlite3"), on_recorded=fragile)
        pipeline.start()
        pipeline.submit(make_received(1))
        await wait_until(lambda: len(handed_on) == 1)
        pipeline.submit(make_received(2))
        await wait_until(lambda: len(handed_on) == 2)
        await pipeline.close()

    asyncio.run(scenario())
    assert [record.signal.price for record in handed_on] == [101.0, 102.0]


def _in_child(function: str, path: Path, *, prefix: Sequence[str] = ()) -> subprocess.CompletedProcess[str]:
    """Run ``function`` of this module on ``path`` in a new Python process (started by ``prefix``)."""
    code = f"import sys; from tests.unit.log.test_pipeline import {function}; {function}(sys.argv[1])"
    command = [*prefix, sys.executable, "-c", code, str(path)]
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=60)


def _log_and_die(path: str) -> None:
    """Run in a child: log five signals and end without closing the log, as a killed session does."""
    TradeLog(Path(path)).append_many([make_received(number) for number in range(5)])
    os._exit(0)  # no close: the WAL and its index stay beside the log


def _feed_a_read_only_log(path: str) -> None:
    """Run in a child held to file modes: open the log, feed it five signals, print what happened as JSON.

    One signal goes first and the other four only once it is handed on, so there are at least two
    failed writes (a failed write hands its new signals on unsaved, one batch per write).
    """
    batches: list[list[TradeRecord]] = []
    errors: list[str] = []

    async def scenario() -> dict[str, object]:
        trade_log, problem = open_trade_log(Path(path))
        pipeline = SignalPipeline(trade_log, on_recorded=batches.append, on_log_error=errors.append)
        pipeline.start()
        pipeline.submit(make_received(1000))
        await wait_until(lambda: len(batches) == 1, what="the first signal handed on")
        errors_after_first = list(errors)
        for number in range(1, 5):
            pipeline.submit(make_received(1000 + number))
        await wait_until(lambda: sum(map(len, batches)) == 5, what="the other four handed on")
        shown = await pipeline.run_in_writer(lambda: pipeline.trade_log.recent(100))
        await pipeline.close()
        return {
            "problem": problem,
            "errors_after_first": errors_after_first,
            "errors": errors,
            "batch_sizes": [len(batch) for batch in batches],
            "handed_on": [[record.id, record.signal.price] for batch in batches for record in batch],
            "shown": [record.signal.price for record in shown],
        }

    print(json.dumps(asyncio.run(scenario())))


def test_a_read_only_log_left_by_a_killed_session_keeps_signals_flowing_and_is_not_touched(tmp_path: Path) -> None:
    """The folder and files became read-only after a session was killed (its WAL still beside the log).

    The log still opens (its trades are shown), writes fail: one plain message over at least two
    failed writes, every new signal handed on, and not a byte of the log, its WAL or its index changed or moved aside.
    """
    path = tmp_path / "trades.sqlite3"
    killed = _in_child("_log_and_die", path)
    assert killed.returncode == 0, killed.stderr
    before = contents(tmp_path)
    assert set(before) == {"trades.sqlite3", "trades.sqlite3-wal", "trades.sqlite3-shm"}

    with read_only(tmp_path):
        fed = _in_child("_feed_a_read_only_log", path, prefix=held_to_file_modes())
        assert fed.returncode == 0, fed.stderr
        assert contents(tmp_path) == before

    seen = json.loads(fed.stdout)
    assert seen["problem"] is None
    assert seen["shown"] == [100.0 + n for n in reversed(range(5))]  # the old trades are still listed
    assert seen["handed_on"] == [[None, 1100.0 + n] for n in range(5)]  # each once, in order, unsaved
    batch_sizes = seen["batch_sizes"]
    assert batch_sizes[0] == 1 and len(batch_sizes) >= 2, f"not two failed writes: {batch_sizes}"
    message = "The trade log cannot be written (its folder is read-only). Signals are kept in memory."
    assert seen["errors_after_first"] == [message]  # told at the first failed write...
    assert seen["errors"] == [message]  # ...and not again at the later ones
    assert [record.signal.price for record in read_recent(path, -1)] == [100.0 + n for n in reversed(range(5))]
