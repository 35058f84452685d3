"""BatchingEventLoop: asyncio's call_soon semantics on Qt's loop, with one Qt timer per turn."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from algomesh_tray.qt.event_loop import BatchingEventLoop


@pytest.fixture
def loop(qapp: QApplication) -> Iterator[BatchingEventLoop]:
    loop = BatchingEventLoop(qapp)
    yield loop
    loop.close()


def test_callbacks_run_in_order_and_those_they_schedule_wait_for_the_next_turn(loop: BatchingEventLoop) -> None:
    """FIFO, as asyncio; a callback scheduled by a running one runs after the Qt events of the
    turn between (here a zero-time Qt timer started before it), not in the same batch."""
    ran: list[str] = []
    done = loop.create_future()

    def first() -> None:
        ran.append("first")
        QTimer.singleShot(0, lambda: ran.append("qt"))
        loop.call_soon(lambda: (ran.append("scheduled by first"), done.set_result(None)))

    loop.call_soon(first)
    for name in ("second", "third"):
        loop.call_soon(ran.append, name)
    loop.run_until_complete(asyncio.wait_for(done, 5))
    assert ran == ["first", "second", "third", "qt", "scheduled by first"]


def test_a_cancelled_callback_does_not_run_and_a_failing_one_stops_nothing(loop: BatchingEventLoop) -> None:
    ran: list[str] = []
    errors: list[dict[str, Any]] = []
    loop.set_exception_handler(lambda _, context: errors.append(context))
    done = loop.create_future()
    loop.call_soon(ran.append, "cancelled").cancel()
    loop.call_soon(lambda: 1 / 0)
    loop.call_soon(lambda: (ran.append("after the failure"), done.set_result(None)))
    loop.run_until_complete(asyncio.wait_for(done, 5))
    assert ran == ["after the failure"]
    assert len(errors) == 1 and isinstance(errors[0]["exception"], ZeroDivisionError)


def test_asyncio_code_runs_on_it_threads_and_timers_included(loop: BatchingEventLoop) -> None:
    """What the app does on it: tasks, sleeps, a thread's result, call_soon_threadsafe from a thread."""

    async def work() -> list[str]:
        told = loop.create_future()
        threading.Thread(target=lambda: loop.call_soon_threadsafe(told.set_result, "from a thread")).start()
        results = await asyncio.gather(asyncio.to_thread(lambda: "to_thread"), told, asyncio.sleep(0.01, "slept"))
        return list(results)

    assert loop.run_until_complete(asyncio.wait_for(work(), 10)) == ["to_thread", "from a thread", "slept"]


def test_closing_drops_what_waits_to_run(qapp: QApplication) -> None:
    loop = BatchingEventLoop(qapp)
    ran: list[str] = []
    loop.call_soon(ran.append, "never")
    loop.close()
    QApplication.processEvents()
    assert ran == [] and loop.is_closed()
    with pytest.raises(RuntimeError, match="closed"):
        loop.call_soon(ran.append, "after close")


def test_timers_run_after_their_delay_in_deadline_order_and_a_cancelled_one_never(loop: BatchingEventLoop) -> None:
    """call_later and call_at, as asyncio: not before the delay, soonest first, cancel honoured."""
    ran: list[tuple[str, float]] = []
    done = loop.create_future()
    start = loop.time()
    loop.call_later(0.06, lambda: (ran.append(("last", loop.time() - start)), done.set_result(None)))
    loop.call_at(start + 0.03, lambda: ran.append(("at", loop.time() - start)))
    loop.call_later(0.01, lambda: ran.append(("first", loop.time() - start)))
    loop.call_later(0.02, ran.append, ("cancelled", 0)).cancel()
    loop.run_until_complete(asyncio.wait_for(done, 5))
    assert [name for name, _ in ran] == ["first", "at", "last"]
    assert [round(at, 2) >= due for (_, at), due in zip(ran, (0.01, 0.03, 0.06), strict=True)] == [True] * 3


def test_closing_drops_the_timers_still_waiting(qapp: QApplication, qtbot: QtBot) -> None:
    loop = BatchingEventLoop(qapp)
    ran: list[str] = []
    loop.call_later(0.01, ran.append, "never")
    loop.close()
    fired: list[bool] = []
    QTimer.singleShot(50, lambda: fired.append(True))  # started after it: once it fires, the timer had its turn
    qtbot.waitUntil(lambda: fired == [True], timeout=5000)
    assert ran == []
