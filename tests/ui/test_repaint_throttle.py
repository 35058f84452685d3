"""RepaintThrottle and Paced: what a live feed changes many times a second is painted (and relaid)
a few times a second."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QLabel, QTableWidget, QTableWidgetItem, QWidget
from pytestqt.qtbot import QtBot

from algomesh_tray.qt.repaint_throttle import Paced, RepaintThrottle
from algomesh_tray.qt.trades.trade_model import TradeTableModel
from algomesh_tray.qt.trades.trades_window import TradesWindow

from .conftest import RecordFactory


class _PaintCounter(QObject):
    """Counts the paint events a widget receives."""

    def __init__(self) -> None:
        super().__init__()
        self.paints = 0

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.paints += 1
        return False


def test_first_change_paints_at_once_and_a_stream_is_painted_together_after_the_interval(qtbot: QtBot) -> None:
    """Changes within the interval hold updates; when it ends the widget is painted once with all of them."""
    window = QWidget()
    qtbot.addWidget(window)
    label = QLabel("0", window)  # as the tables: a child of the window
    counter = _PaintCounter()
    label.installEventFilter(counter)
    window.show()
    qtbot.waitExposed(window)
    throttle = RepaintThrottle(label, interval_ms=150)

    label.setText("1")
    throttle.changed()
    assert label.updatesEnabled() and not throttle.holding  # a lone change is not delayed
    qtbot.waitUntil(lambda: counter.paints >= 1)
    painted = counter.paints

    for number in range(2, 12):
        label.setText(str(number))
        throttle.changed()
        assert throttle.holding and not label.updatesEnabled()
        qtbot.wait(5)  # events run meanwhile, as under a steady feed
    assert counter.paints == painted  # none of the ten was painted yet

    qtbot.waitUntil(lambda: label.updatesEnabled(), timeout=2000)
    qtbot.waitUntil(lambda: counter.paints > painted)
    assert counter.paints - painted <= 2 and label.text() == "11"
    assert not throttle.holding


def test_a_quiet_widget_is_left_alone(qtbot: QtBot) -> None:
    """Without changes the throttle never turns updates off."""
    label = QLabel("quiet")
    qtbot.addWidget(label)
    throttle = RepaintThrottle(label, interval_ms=20)
    throttle.changed()
    qtbot.wait(100)
    assert label.updatesEnabled() and not throttle.holding


def test_a_click_on_a_held_view_is_answered_at_once(qtbot: QtBot) -> None:
    """While a stream holds the table's updates, the user's click releases them without waiting."""
    table = QTableWidget(3, 2)
    qtbot.addWidget(table)
    table.show()
    qtbot.waitExposed(table)
    throttle = RepaintThrottle(table, interval_ms=60_000)
    throttle.changed()
    throttle.changed()
    assert throttle.holding and not table.viewport().updatesEnabled()
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton)
    assert table.viewport().updatesEnabled() and not throttle.holding


def test_a_held_view_repaints_its_rows_not_its_header_and_scroll_bars(qtbot: QtBot) -> None:
    """Only the viewport is held and painted again: the header and scroll bars of a view (and the
    window around it) have nothing new to show when rows change."""
    table = QTableWidget(50, 3)
    qtbot.addWidget(table)
    table.resize(300, 200)
    table.show()
    qtbot.waitExposed(table)
    QApplication.processEvents()  # the first paints, of everything
    counters = {name: _PaintCounter() for name in ("rows", "header", "scroll bar")}
    for name, widget in zip(counters, (table.viewport(), table.horizontalHeader(), table.verticalScrollBar()),
                            strict=True):  # fmt: skip
        widget.installEventFilter(counters[name])
    throttle = RepaintThrottle(table, interval_ms=100)
    for row in range(10):
        table.setItem(row, 0, QTableWidgetItem(str(row)))
        throttle.changed()
    assert throttle.holding and table.updatesEnabled()
    qtbot.waitUntil(lambda: not throttle.holding and counters["rows"].paints > 0, timeout=2000)
    assert counters["header"].paints == counters["scroll bar"].paints == 0


def test_paced_runs_at_once_then_once_per_interval_with_the_last_state(qtbot: QtBot) -> None:
    """A lone ask runs at once; a stream of asks runs once when the interval ends, with the last state."""
    shown: list[int] = []
    state = {"count": 0}
    paced = Paced(lambda: shown.append(state["count"]), interval_ms=150)
    state["count"] = 1
    paced.ask()
    assert shown == [1]  # not delayed
    for count in range(2, 6):
        state["count"] = count
        paced.ask()
    assert shown == [1]  # held: the interval runs
    qtbot.waitUntil(lambda: shown == [1, 5], timeout=2000)
    with qtbot.waitSignal(paced._timer.timeout, timeout=2000):
        pass  # the interval after the last run ends: with no asks in it, nothing runs
    assert shown == [1, 5]
    paced.ask()
    assert shown == [1, 5, 5]  # a quiet spell is over: at once again


@pytest.mark.parametrize("full", [False, True], ids=["filling", "full"])
def test_the_trades_window_sets_its_counts_twice_a_second_while_the_feed_streams(
    qtbot: QtBot, make_record: RecordFactory, full: bool
) -> None:
    """Each new status text relays the window: 100 signals, each in a pass of the event loop of its
    own, set the feed text a few times, not 100; also once the table is full and every signal lets
    its oldest row go (a row removed used to set the texts at once)."""
    model = TradeTableModel(max_rows=5)
    window = TradesWindow(model, [], QIcon())
    qtbot.addWidget(window)
    if full:
        model.add_records([make_record() for _ in range(5)])
    texts: list[str] = []
    original = window.feed_label.setText
    window.feed_label.setText = lambda text: (texts.append(text), original(text))  # type: ignore[method-assign]
    for count in range(1, 101):
        model.add_records([make_record()])
        window.set_feed_text(f"{count} signals")
        QApplication.processEvents()
    qtbot.waitUntil(lambda: window.feed_label.text() == "100 signals", timeout=3000)
    assert len(texts) <= 3, texts
    assert window.shown_label.text() == "5 trades"
