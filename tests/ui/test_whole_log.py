"""The whole trade log in the window, through a TradeLogReader on a real 200,000-trade SQLite file:
scrolling fetches older trades down to the first, the filter box and dates query the log itself,
Export CSV streams the query's matches, the dashboard's totals come from the kept aggregates."""

from __future__ import annotations

import csv
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QDate
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from algomesh_tray.qt.trade_model import TradeTableModel
from algomesh_tray.qt.trades_window import TradesWindow
from algomesh_tray.qt.tray import app_icon
from algomesh_tray.reader import TradeLogReader
from algomesh_tray.records import TradeRecord
from algomesh_tray.tradequery import TradeQuery

from ..bulk_log import build_log
from .conftest import RecordFactory

TRADES = 200_000
#: The machine is shared: generous, and only ever reached by a failure.
WAIT_MS = 30_000


@pytest.fixture(scope="session")
def big_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """200,000 signals over a year in 12 markets, built once for the session (executemany)."""
    path = tmp_path_factory.mktemp("big") / "trades.sqlite3"
    build_log(path, TRADES)
    return path


@pytest.fixture
def reader(big_log: Path) -> Iterator[TradeLogReader]:
    reader = TradeLogReader(big_log)
    yield reader
    reader.close()


@pytest.fixture
def window(qtbot: QtBot, reader: TradeLogReader) -> TradesWindow:
    window = TradesWindow(TradeTableModel(reader=reader), [], app_icon())
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.model.rowCount() > 0, timeout=WAIT_MS)
    return window


def scroll_to_the_end(qtbot: QtBot, window: TradesWindow) -> None:
    """Scroll down as a user does, each time the table has grown, until the log has no older trade."""
    model = window.model
    while model.canFetchMore():
        before = model.rowCount()
        window.table.scrollToBottom()
        qtbot.waitUntil(lambda before=before: model.rowCount() > before or not model.canFetchMore(), timeout=WAIT_MS)


def newest_ids(path: Path, where: str, parameters: tuple[object, ...] = ()) -> list[int]:
    db = sqlite3.connect(path)
    try:
        sql = f"SELECT id FROM trades WHERE {where} ORDER BY received_at DESC, id DESC"
        return [row_id for (row_id,) in db.execute(sql, parameters)]
    finally:
        db.close()


def test_scrolling_down_reaches_the_first_trade_then_a_filter_queries_the_log(
    qtbot: QtBot, window: TradesWindow, big_log: Path
) -> None:
    """The view asks for older pages as it reaches the bottom, down to trade 1, every trade once
    in order; then typing a filter asks the log and shows only matches, newest first."""
    model = window.model
    scroll_to_the_end(qtbot, window)
    assert model.rowCount() == TRADES
    assert [model.record_at(row).id for row in range(TRADES)] == list(range(TRADES, 0, -1))
    window.table.scrollToBottom()
    last = window.proxy.index(window.proxy.rowCount() - 1, 0)
    assert window.table.visualRect(last).isValid() and window.table.viewport().rect().intersects(
        window.table.visualRect(last)
    )
    assert window.model.record_at(window.proxy.mapToSource(last).row()).id == 1
    assert window.shown_label.text() == f"{TRADES:,} trades"

    qtbot.keyClicks(window.filter_edit, "ethusdt sell")
    qtbot.waitUntil(lambda: model.query.text == "ethusdt sell" and model.rowCount() > 0, timeout=WAIT_MS)
    expected = newest_ids(big_log, "symbol = 'ETHUSDT' AND action = 'SELL'")
    shown = [model.record_at(row) for row in range(model.rowCount())]
    assert [record.id for record in shown] == expected[: len(shown)]
    assert all(record.signal.symbol == "ETHUSDT" and record.signal.action == "SELL" for record in shown)
    assert model.rowCount() < TRADES // 10  # the 200,000 loaded before were let go
    assert "matching trades (scroll for older)" in window.shown_label.text()


def test_typing_asks_the_log_once_typing_pauses(qtbot: QtBot, window: TradesWindow) -> None:
    """Type-ahead is debounced: one query for a word typed quickly, not one per keystroke."""
    queries: list[str] = []
    window.model.modelReset.connect(lambda: queries.append(window.model.query.text))
    qtbot.keyClicks(window.filter_edit, "grid")
    qtbot.waitUntil(lambda: queries == ["grid"], timeout=WAIT_MS)


def test_a_date_range_shows_that_local_day_only(qtbot: QtBot, window: TradesWindow, big_log: Path) -> None:
    """From and To the same day: that local day's trades (a page and a bit), newest first."""
    day = QDate(2025, 6, 1)
    window.since_edit.setDate(day)
    window.until_edit.setDate(day)
    start = time.mktime((2025, 6, 1, 0, 0, 0, 0, 0, -1))
    end = time.mktime((2025, 6, 2, 0, 0, 0, 0, 0, -1))
    expected = newest_ids(big_log, "received_at >= ? AND received_at < ?", (start, end))
    qtbot.waitUntil(lambda: window.model.query.since == start and window.model.rowCount() > 0, timeout=WAIT_MS)
    scroll_to_the_end(qtbot, window)
    assert [window.model.record_at(row).id for row in range(window.model.rowCount())] == expected


def test_export_writes_every_match_in_the_log_not_only_those_loaded(
    qtbot: QtBot, window: TradesWindow, big_log: Path, tmp_path: Path
) -> None:
    """The query's matches in the whole log, streamed to the file; progress shown, then a message."""
    window.filter_edit.setText("solusdt")
    window.apply_query()
    qtbot.waitUntil(lambda: window.model.rowCount() > 0, timeout=WAIT_MS)
    target = tmp_path / "sol.csv"
    window.export_query(str(target))
    assert window.export_progress.isVisibleTo(window) and not window.export_action.isEnabled()
    qtbot.waitUntil(lambda: "Exported" in window.statusBar().currentMessage(), timeout=WAIT_MS * 2)
    expected = newest_ids(big_log, "symbol = 'SOLUSDT'")
    with target.open(encoding="utf-8", newline="") as stream:
        assert [int(row["id"]) for row in csv.DictReader(stream)] == expected
    assert window.statusBar().currentMessage() == f"Exported {len(expected):,} trades to {target}"
    assert not window.export_progress.isVisibleTo(window) and window.export_action.isEnabled()


def test_the_dashboard_totals_come_from_the_reader(qtbot: QtBot, window: TradesWindow) -> None:
    """Every trade of the log counted, per market, without the window scanning it."""
    dashboard = window.dashboard.model
    qtbot.waitUntil(lambda: dashboard.loaded_up_to is not None, timeout=WAIT_MS)
    assert dashboard.loaded_up_to == (TRADES, 0)
    assert sum(row.signals for row in dashboard.summary.rows) == TRADES and len(dashboard.summary.rows) == 12


def test_a_reader_model_passes_qt_model_tester(
    qtbot: QtBot, qtmodeltester: ModelTester, tmp_path: Path, make_record: RecordFactory
) -> None:
    """Fetching, live records on top and a new query, under Qt's model checks."""
    path = tmp_path / "trades.sqlite3"
    build_log(path, 1200)
    reader = TradeLogReader(path)
    model = TradeTableModel(reader=reader, max_rows=700)
    qtmodeltester.check(model, force_py=True)  # (it fetches too)
    while model.canFetchMore():
        model.fetchMore()
        qtbot.waitUntil(lambda: not model.fetching, timeout=WAIT_MS)
    assert [model.record_at(row).id for row in range(model.rowCount())] == list(range(1200, 0, -1))
    live: list[TradeRecord] = [make_record(record_id=1200 + n, received_at=2e9 + n) for n in range(1, 4)]
    model.add_records(live)
    assert [model.record_at(row).id for row in range(4)] == [1203, 1202, 1201, 1200]
    model.set_query(model.query.__class__(text="btcusdt"))
    qtbot.waitUntil(lambda: model.rowCount() > 0 and not model.fetching, timeout=WAIT_MS)
    assert all(model.record_at(row).signal.symbol == "BTCUSDT" for row in range(model.rowCount()))
    reader.close()


def test_a_reader_attached_later_fetches_below_the_live_rows(qtbot: QtBot, tmp_path: Path) -> None:
    """The app makes the model before it opens the log: live trades first, then the log's older
    ones below them, none twice."""
    path = tmp_path / "trades.sqlite3"
    build_log(path, 800)
    reader = TradeLogReader(path)
    newest = reader.page(TradeQuery(), after=None, limit=3).result()
    model = TradeTableModel()
    assert not model.canFetchMore()
    model.add_records(newest[::-1])  # arrived live, oldest first
    model.attach_reader(reader)
    while model.canFetchMore():
        model.fetchMore()
        qtbot.waitUntil(lambda: not model.fetching, timeout=WAIT_MS)
    assert [model.record_at(row).id for row in range(model.rowCount())] == list(range(800, 0, -1))
    reader.close()
