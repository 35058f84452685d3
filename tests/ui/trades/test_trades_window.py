"""The trades window: order, filter box, showing a trade, closing, and its status labels."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from algomesh_tray.feed.records import TradeRecord
from algomesh_tray.qt.actions import AppActions
from algomesh_tray.qt.icons import app_icon
from algomesh_tray.qt.trades.trade_model import RECORD_ROLE, Column, TradeTableModel
from algomesh_tray.qt.trades.trades_window import TradesWindow

from ..conftest import RecordFactory

#: show_record raises the window; the offscreen platform cannot, and says so.
offscreen_cannot_raise = pytest.mark.qt_log_ignore("This plugin does not support raise")


@pytest.fixture
def actions() -> AppActions:
    return AppActions()


@pytest.fixture
def window(qtbot: QtBot, actions: AppActions) -> TradesWindow:
    window = TradesWindow(TradeTableModel(), [actions.settings, actions.pause, actions.reconnect], app_icon())
    qtbot.addWidget(window)
    return window


@pytest.fixture
def trades(window: TradesWindow, make_record: RecordFactory) -> list[TradeRecord]:
    """Three trades, oldest first, added to the window's model as the pipeline would."""
    records = [
        make_record(symbol="BTCUSDT", action="BUY"),
        make_record(symbol="ETHUSDT", action="SELL", strategy_name="ETH_Grid"),
        make_record(symbol="BTCUSDT", action="SELL"),
    ]
    window.model.add_records(records)
    return records


def shown(window: TradesWindow) -> list[TradeRecord]:
    proxy = window.proxy
    return [proxy.data(proxy.index(row, 0), RECORD_ROLE) for row in range(proxy.rowCount())]


def test_newest_trade_is_on_top_by_default(qtbot: QtBot, window: TradesWindow, trades: list[TradeRecord]) -> None:
    """The table opens sorted by time, newest first, and the header says so."""
    header = window.table.horizontalHeader()
    assert header.sortIndicatorSection() == Column.TIME
    assert header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder
    assert shown(window) == trades[::-1]
    qtbot.waitUntil(lambda: window.shown_label.text() == "3 trades")


def test_window_opened_on_a_filled_model_shows_newest_first(
    qtbot: QtBot, actions: AppActions, make_record: RecordFactory
) -> None:
    """As in the app, the window built after history was loaded lists the newest trade first."""
    model = TradeTableModel()
    history = [make_record(record_id=n) for n in (3, 2, 1)]
    model.add_history(history)
    window = TradesWindow(model, [actions.settings], app_icon())
    qtbot.addWidget(window)
    assert shown(window) == history


def test_new_trades_arrive_on_top(
    qtbot: QtBot, window: TradesWindow, trades: list[TradeRecord], make_record: RecordFactory
) -> None:
    """Trades received while the window is open appear above the others, newest first."""
    newer, newest = make_record(), make_record()
    window.model.add_records([newer, newest])
    assert shown(window) == [newest, newer, *trades[::-1]]
    qtbot.waitUntil(lambda: window.shown_label.text() == "5 trades")


def test_time_column_sorts_both_ways(window: TradesWindow, trades: list[TradeRecord]) -> None:
    """Clicking the time header turns the order around, and back."""
    window.table.sortByColumn(Column.TIME, Qt.SortOrder.AscendingOrder)
    assert shown(window) == trades
    window.table.sortByColumn(Column.TIME, Qt.SortOrder.DescendingOrder)
    assert shown(window) == trades[::-1]


def test_typing_in_the_filter_box_filters_and_counts(
    qtbot: QtBot, window: TradesWindow, trades: list[TradeRecord]
) -> None:
    """Each word typed narrows the table, and the label says how many of all are shown."""
    window.show()
    qtbot.waitExposed(window)
    qtbot.keyClicks(window.filter_edit, "btc")
    assert sorted(record.id for record in shown(window)) == [trades[0].id, trades[2].id]
    qtbot.waitUntil(lambda: window.shown_label.text() == "2 of 3 trades")
    qtbot.keyClicks(window.filter_edit, " sell")
    assert shown(window) == [trades[2]]
    qtbot.waitUntil(lambda: window.shown_label.text() == "1 of 3 trades")
    window.filter_edit.clear()
    qtbot.waitUntil(lambda: window.shown_label.text() == "3 trades")


def test_count_label_says_trade_for_one(qtbot: QtBot, window: TradesWindow, make_record: RecordFactory) -> None:
    """One trade is "1 trade", not "1 trades"."""
    window.model.add_records([make_record()])
    qtbot.waitUntil(lambda: window.shown_label.text() == "1 trade")


@offscreen_cannot_raise
def test_show_record_selects_that_trade(qtbot: QtBot, window: TradesWindow, trades: list[TradeRecord]) -> None:
    """Opening a trade (from a notification) shows the window with that trade selected."""
    window.show_record(trades[1])
    qtbot.waitExposed(window)
    assert window.isVisible()
    assert window.selected_record() is trades[1]


@offscreen_cannot_raise
def test_show_record_clears_a_filter_that_hides_the_trade(
    qtbot: QtBot, window: TradesWindow, trades: list[TradeRecord]
) -> None:
    """A trade hidden by the filter is still shown and selected: the filter is cleared."""
    qtbot.keyClicks(window.filter_edit, "eth")
    assert trades[0] not in shown(window)
    window.show_record(trades[0])
    assert window.filter_edit.text() == ""
    assert window.selected_record() is trades[0]
    qtbot.waitUntil(lambda: window.shown_label.text() == "3 trades")


@offscreen_cannot_raise
def test_show_record_of_a_dropped_trade_just_shows_the_window(
    qtbot: QtBot, window: TradesWindow, trades: list[TradeRecord], make_record: RecordFactory
) -> None:
    """A trade no longer in the table (dropped by the cap) opens the window, selecting nothing."""
    window.show_record(make_record(record_id=12345))
    qtbot.waitExposed(window)
    assert window.selected_record() is None


def test_close_hides_the_window_when_a_tray_can_bring_it_back(qtbot: QtBot, window: TradesWindow) -> None:
    """With a tray, closing only hides the window; the app keeps running."""
    window.show()
    qtbot.waitExposed(window)
    with qtbot.assertNotEmitted(window.close_requested):
        assert not window.close()
    assert not window.isVisible()


def test_close_asks_to_quit_without_a_tray(qtbot: QtBot, window: TradesWindow) -> None:
    """Without a tray, closing the window is the way to quit: it emits close_requested."""
    window.hide_on_close = False
    window.show()
    qtbot.waitExposed(window)
    with qtbot.waitSignal(window.close_requested, timeout=1000):
        assert window.close()


def test_status_labels_show_feed_text_as_plain_text(qtbot: QtBot, window: TradesWindow) -> None:
    """Markup in a status text or its tooltip (they may quote the feed) is shown literally, never rendered."""
    window.set_feed_text("<b>x</b>")
    window.set_connection_text("<img src=x>")
    qtbot.waitUntil(lambda: window.feed_label.text() == "<b>x</b>")  # once the turn that set it ends
    assert window.connection_label.text() == "<img src=x>"
    assert window.feed_label.textFormat() == Qt.TextFormat.PlainText
    assert window.connection_label.textFormat() == Qt.TextFormat.PlainText
    window.set_feed_text("1 rejected", "field 'action' is not a trade action: '<IMG SRC=X>'")
    qtbot.waitUntil(lambda: window.feed_label.text() == "1 rejected")  # within half a second: the counts are paced
    assert "&lt;IMG SRC=X&gt;" in window.feed_label.toolTip() and "<IMG" not in window.feed_label.toolTip()


def test_filter_over_a_hundred_thousand_trades(qtbot: QtBot, actions: AppActions, make_record: RecordFactory) -> None:
    """A full window of 100,000 trades filters to exactly the rows that match."""
    model = TradeTableModel(max_rows=100_000)
    model.add_records(
        [
            make_record(symbol="ETHUSDT" if n % 7 == 0 else "BTCUSDT", action="SELL" if n % 2 else "BUY", raw="{}")
            for n in range(100_000)
        ]
    )
    window = TradesWindow(model, [actions.settings], app_icon())
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: window.shown_label.text() == "100,000 trades")
    window.filter_edit.setText("ethusdt sell")
    expected = sum(1 for n in range(100_000) if n % 7 == 0 and n % 2)
    assert window.proxy.rowCount() == expected
    qtbot.waitUntil(lambda: window.shown_label.text() == f"{expected:,} of 100,000 trades")
    assert all(record.signal.symbol == "ETHUSDT" and record.signal.action == "SELL" for record in shown(window))


def test_selecting_a_trade_shows_its_details_and_frame_as_plain_text(
    qtbot: QtBot, window: TradesWindow, make_record: RecordFactory
) -> None:
    """The detail pane lists the fields and the received frame; markup and RTL overrides stay inert."""
    hostile = make_record(strategy_name="<b>Bold</b>\u202eevil")
    window.model.add_records([hostile])
    assert not window.copy_action.isEnabled()
    window.table.selectRow(0)
    text = window.detail.toPlainText()
    assert "Strategy <b>Bold</b>\ufffdevil · Market · live · EXECUTED" in text
    assert '"strategyName": "<b>Bold</b>\ufffdevil"' in text
    assert "\u202e" not in text and window.copy_action.isEnabled()


def test_copy_puts_the_frame_as_json_on_the_clipboard(window: TradesWindow, trades: list[TradeRecord]) -> None:
    """Copy as JSON gives the frame exactly as received, pretty-printed."""
    import json

    from PySide6.QtGui import QGuiApplication

    window.table.selectRow(0)
    window.copy_action.trigger()
    assert json.loads(QGuiApplication.clipboard().text()) == json.loads(trades[-1].raw)


def test_export_takes_the_filtered_table_in_its_order(
    qtbot: QtBot, window: TradesWindow, trades: list[TradeRecord]
) -> None:
    """What is exported is what is shown: filtered, newest first."""
    qtbot.keyClicks(window.filter_edit, "btcusdt")
    assert window.shown_records() == [trades[2], trades[0]]


def test_without_a_readable_log_export_writes_the_rows_shown(
    qtbot: QtBot, window: TradesWindow, trades: list[TradeRecord], tmp_path: Path
) -> None:
    """The log could not be opened: Export CSV writes the filtered table off the Qt thread, says so,
    and offers no progress or cancel for a write done in one go."""
    qtbot.keyClicks(window.filter_edit, "btcusdt")
    target = tmp_path / "shown.csv"
    window.show()
    window.export_query(str(target))
    assert not window.export_cancel.isVisible() and not window.export_progress.isVisible()
    qtbot.waitUntil(lambda: window.statusBar().currentMessage() == f"Exported 2 trades to {target}", timeout=5000)
    with target.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert [row["id"] for row in rows] == [str(trades[2].id), str(trades[0].id)]
    assert window.export_action.isEnabled()


@offscreen_cannot_raise
def test_the_recent_trades_open_with_nothing_selected(
    qtbot: QtBot, window: TradesWindow, trades: list[TradeRecord]
) -> None:
    """A tray message that cannot say which trade it was: the newest trades, none of them named,
    whatever was selected, filtered or sorted before."""
    window.show_record(trades[0])
    assert window.selected_record() == trades[0]
    window.table.sortByColumn(Column.TIME, Qt.SortOrder.AscendingOrder)
    qtbot.keyClicks(window.filter_edit, "ETH")
    window.show_recent()
    assert window.isVisible()
    assert window.selected_record() is None
    assert window.filter_edit.text() == ""
    assert shown(window) == trades[::-1]


def test_the_engine_column_and_engine_colon_filter_the_trades_held(
    qtbot: QtBot, window: TradesWindow, make_record: RecordFactory, tmp_path: Path
) -> None:
    """Without a log: the Engine column names each trade's engine; ``engine:vps`` keeps VPS's trades
    (case aside), with the other words still words; the export writes them with their engine."""
    records = [make_record(engine="Desk"), make_record(engine="VPS"), make_record(engine="VPS", symbol="ETHUSDT")]
    window.model.add_records(records)
    assert window.model.headerData(Column.ENGINE, Qt.Orientation.Horizontal) == "Engine"
    assert [window.proxy.index(row, Column.ENGINE).data() for row in range(3)] == ["VPS", "VPS", "Desk"]
    qtbot.keyClicks(window.filter_edit, "engine:vps")
    assert shown(window) == [records[2], records[1]]
    qtbot.keyClicks(window.filter_edit, " eth")
    assert shown(window) == [records[2]]
    window.filter_edit.setText("engine:Nowhere")
    assert shown(window) == []
    window.filter_edit.setText("engine:desk")
    target = tmp_path / "desk.csv"
    window.export_query(str(target))
    qtbot.waitUntil(lambda: window.statusBar().currentMessage() == f"Exported 1 trade to {target}", timeout=5000)
    with target.open(encoding="utf-8", newline="") as stream:
        assert [(row["id"], row["engine"]) for row in csv.DictReader(stream)] == [(str(records[0].id), "Desk")]
