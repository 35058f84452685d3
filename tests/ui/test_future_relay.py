"""FutureRelay: a future's result, handed to the Qt thread later, or dropped with its owner."""

from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor

import shiboken6
from PySide6.QtCore import QObject
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from algomesh_tray.qt.future_relay import FutureRelay


def test_a_future_done_on_another_thread_is_answered_on_the_qt_thread(qtbot: QtBot) -> None:
    """Each callback runs once, on the thread the relay lives on, with its own future."""
    relay = FutureRelay()
    answers: list[tuple[str, int]] = []
    with ThreadPoolExecutor(2) as pool:
        for number in range(5):
            relay.when_done(pool.submit(lambda n=number: n * n),
                            lambda done: answers.append((threading.current_thread().name, done.result())))  # fmt: skip
        qtbot.waitUntil(lambda: len(answers) == 5, timeout=5000)
    assert sorted(answers) == [(threading.main_thread().name, n * n) for n in range(5)]


def test_a_future_already_done_is_answered_later_never_from_within_when_done(qapp: QApplication) -> None:
    """The caller finishes what it was doing (its state set) before the callback runs."""
    relay = FutureRelay()
    future: Future[str] = Future()
    future.set_result("page")
    answers: list[str] = []
    relay.when_done(future, lambda done: answers.append(done.result()))
    assert answers == []
    QApplication.processEvents()
    assert answers == ["page"]


def test_the_answer_is_dropped_when_the_owner_was_deleted_first(qtbot: QtBot) -> None:
    """A window closed (deleted) while its read ran: nothing runs on what is gone, nothing fails."""
    owner = QObject()
    relay = FutureRelay(owner)
    waiting: Future[str] = Future()
    answered_before: Future[str] = Future()
    answers: list[str] = []
    relay.when_done(answered_before, lambda done: answers.append("posted before the owner went"))
    relay.when_done(waiting, lambda done: answers.append("after the owner went"))
    answered_before.set_result("x")  # posted, not yet delivered
    shiboken6.delete(owner)  # the relay with it: Qt drops what was posted to it
    finisher = threading.Thread(target=waiting.set_result, args=("y",))
    finisher.start()
    finisher.join()
    ticks = FutureRelay()  # one more answer, posted after both: once it runs, the others had their turn
    done_later: Future[str] = Future()
    done_later.set_result("z")
    ticks.when_done(done_later, lambda done: answers.append("the last"))
    qtbot.waitUntil(lambda: "the last" in answers, timeout=5000)
    assert answers == ["the last"]
