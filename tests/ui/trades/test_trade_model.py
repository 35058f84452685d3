"""The trades table model and its filter proxy: rows, texts, roles, caps and sorting."""

from __future__ import annotations

import pytest
import shiboken6
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import QApplication
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from algomesh_tray.feed.records import TradeRecord
from algomesh_tray.log.query import TradeQuery
from algomesh_tray.qt.trades import trade_model
from algomesh_tray.qt.trades.trade_model import (
    LIVE_BATCH_MAX,
    RECORD_ROLE,
    SORT_ROLE,
    Column,
    TradeFilterProxy,
    TradeTableModel,
)

from ..conftest import RecordFactory

DISPLAY = Qt.ItemDataRole.DisplayRole


def ids(model: TradeTableModel) -> list[int | None]:
    return [model.record_at(row).id for row in range(model.rowCount())]


def shown(proxy: TradeFilterProxy) -> list[TradeRecord]:
    return [proxy.data(proxy.index(row, 0), RECORD_ROLE) for row in range(proxy.rowCount())]


def cell(model: TradeTableModel, record: TradeRecord, column: int, role: int = DISPLAY) -> object:
    row = model.row_of(record)
    assert row is not None
    return model.data(model.index(row, column), role)


def test_the_numbers_the_model_uses_for_qt_s_roles_and_alignment_are_qt_s() -> None:
    """The module names them as numbers, not through ``Qt`` (the idle app would build that namespace)."""
    roles = Qt.ItemDataRole
    ours = {"display": trade_model.DISPLAY_ROLE, "tooltip": trade_model.TOOLTIP_ROLE, "font": trade_model.FONT_ROLE,
            "alignment": trade_model.ALIGNMENT_ROLE, "foreground": trade_model.FOREGROUND_ROLE, "sort": SORT_ROLE,
            "record": RECORD_ROLE, "right": trade_model._RIGHT}  # fmt: skip
    assert ours == {"display": roles.DisplayRole, "tooltip": roles.ToolTipRole, "font": roles.FontRole,
                    "alignment": roles.TextAlignmentRole, "foreground": roles.ForegroundRole,
                    "sort": roles.UserRole + 1, "record": roles.UserRole + 2,
                    "right": int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)}  # fmt: skip


def test_model_passes_qt_model_tester(qtmodeltester: ModelTester, make_record: RecordFactory) -> None:
    """Qt's model tester finds nothing wrong, neither at rest nor while rows are added and dropped."""
    model = TradeTableModel(max_rows=6)
    model.add_records([make_record(), make_record(action="SELL"), make_record(record_id=None, action="CLOSE")])
    qtmodeltester.check(model)
    model.add_history([make_record(record_id=-1)])
    model.add_records([make_record(), make_record(), make_record(), make_record()])
    assert model.rowCount() == 6
    assert model.columnCount() == len(Column.HEADERS)


def test_add_records_puts_new_records_on_top(make_record: RecordFactory) -> None:
    """The model keeps the window's order, newest first, for records given oldest first."""
    model = TradeTableModel()
    model.add_records([make_record(record_id=1), make_record(record_id=2)])
    model.add_records([make_record(record_id=3)])
    assert ids(model) == [3, 2, 1]


def test_paced_live_records_go_in_together_and_are_told_together(
    qtbot: QtBot, qtmodeltester: ModelTester, make_record: RecordFactory
) -> None:
    """With a live interval, 40 signals (each in an event-loop pass of its own) go into a full
    table in a few insertions, not 40, in the window's order, and the dashboard hears of every one
    in as few batches; looking a record up brings in those still waiting."""
    model = TradeTableModel(max_rows=10, live_interval_ms=300)
    qtmodeltester.check(model)
    model.add_records([make_record(record_id=n) for n in range(1, 11)])
    insertions: list[int] = []
    model.rowsInserted.connect(lambda parent, first, last: insertions.append(last - first + 1))
    told: list[list[int | None]] = []
    model.records_added.connect(lambda records: told.append([record.id for record in records]))
    for number in range(11, 51):
        model.add_records([make_record(record_id=number)])
        QApplication.processEvents()
    qtbot.waitUntil(lambda: ids(model) == list(range(50, 40, -1)), timeout=3000)
    assert 1 <= len(insertions) <= 4, insertions  # each brings up to a full table's worth
    assert [number for batch in told for number in batch] == list(range(11, 51)) and len(told) == len(insertions)
    model.add_records([make_record(record_id=51)])  # at once, or waiting: the interval runs now
    waiting = make_record(record_id=52)
    model.add_records([waiting])
    assert model.row_of(waiting) == 0
    shiboken6.delete(model)  # here, with its interval running: not by the garbage collector on another thread


def test_a_flood_of_live_records_goes_in_a_batch_at_a_time_without_waiting(make_record: RecordFactory) -> None:
    """Thousands a second are not held for the whole interval (their memory stayed with the app
    after a burst): every LIVE_BATCH_MAX of them go in at once."""
    model = TradeTableModel(max_rows=10_000, live_interval_ms=60_000)
    for number in range(1, 1 + 3 * LIVE_BATCH_MAX + 1):
        model.add_records([make_record(record_id=number)])
    assert model.rowCount() == 3 * LIVE_BATCH_MAX + 1  # the first at once, then three full batches
    assert ids(model)[0] == 3 * LIVE_BATCH_MAX + 1
    shiboken6.delete(model)


def test_live_records_waiting_when_a_query_starts_are_still_told(make_record: RecordFactory) -> None:
    """A new query lets the waiting rows go (the log holds them, the query reads them), but the
    dashboard counts them all the same."""
    model = TradeTableModel(live_interval_ms=60_000)
    told: list[int | None] = []
    model.records_added.connect(lambda records: told.extend(record.id for record in records))
    model.add_records([make_record(record_id=1)])
    model.add_records([make_record(record_id=2)])  # waits
    assert told == [1]
    model.set_query(TradeQuery(text="btc"))
    assert told == [1, 2] and model.rowCount() == 0
    shiboken6.delete(model)


def test_add_records_drops_the_oldest_beyond_max_rows(qtbot: QtBot, make_record: RecordFactory) -> None:
    """A full model removes its oldest rows (announced with rowsRemoved) to make room."""
    model = TradeTableModel(max_rows=3)
    model.add_records([make_record(record_id=n) for n in (1, 2, 3)])
    with qtbot.waitSignal(
        model.rowsRemoved, timeout=1000, check_params_cb=lambda _, first, last: (first, last) == (1, 2)
    ):
        model.add_records([make_record(record_id=4), make_record(record_id=5)])
    assert ids(model) == [5, 4, 3]


def test_add_records_keeps_only_the_newest_of_a_batch_larger_than_max_rows(make_record: RecordFactory) -> None:
    """A batch bigger than the cap replaces every row with the batch's newest records."""
    model = TradeTableModel(max_rows=3)
    model.add_records([make_record(record_id=1)])
    model.add_records([make_record(record_id=n) for n in range(10, 15)])
    assert ids(model) == [14, 13, 12]


def test_add_history_puts_older_records_below_and_skips_those_shown(make_record: RecordFactory) -> None:
    """History read from the log (newest first) goes below the live rows, without repeating a signal seen live."""
    model = TradeTableModel()
    model.add_records([make_record(record_id=5), make_record(record_id=6)])
    model.add_history([make_record(record_id=n) for n in (5, 4, 3)])
    assert ids(model) == [6, 5, 4, 3]


def test_add_history_fills_only_the_room_left_with_the_newest(make_record: RecordFactory) -> None:
    """When history does not fit, its newest records are kept and the live ones stay."""
    model = TradeTableModel(max_rows=4)
    model.add_records([make_record(record_id=5), make_record(record_id=6)])
    model.add_history([make_record(record_id=n) for n in (4, 3, 2, 1)])
    assert ids(model) == [6, 5, 4, 3]
    model.add_history([make_record(record_id=0)])
    assert ids(model) == [6, 5, 4, 3]


def test_display_texts_read_as_a_trader_expects(make_record: RecordFactory) -> None:
    """Price with grouping and two decimals, amount with its size type, action with an arrow."""
    model = TradeTableModel()
    buy = make_record(action="BUY", price=64320.5, amount=0.05, size_type="percent")
    sell = make_record(action="SELL", price=1.0832, amount=10.0, size_type="fixed")
    model.add_records([buy, sell])
    assert cell(model, buy, Column.PRICE) == "64,320.50"
    assert cell(model, buy, Column.AMOUNT) == "0.05 (percent)"
    assert cell(model, buy, Column.ACTION) == "▲ BUY"
    assert cell(model, sell, Column.PRICE) == "1.0832"
    assert cell(model, sell, Column.AMOUNT) == "10 (fixed)"
    assert cell(model, sell, Column.ACTION) == "▼ SELL"
    assert cell(model, buy, Column.SYMBOL) == "BTCUSDT"
    assert model.headerData(Column.PRICE, Qt.Orientation.Horizontal) == "Price"


def test_buy_and_sell_have_different_colours(make_record: RecordFactory) -> None:
    """BUY and SELL are told apart by colour too; other actions keep the default colour."""
    model = TradeTableModel()
    buy, sell, other = make_record(action="BUY"), make_record(action="SELL"), make_record(action="CLOSE")
    model.add_records([buy, sell, other])
    buy_brush = cell(model, buy, Column.ACTION, Qt.ItemDataRole.ForegroundRole)
    sell_brush = cell(model, sell, Column.ACTION, Qt.ItemDataRole.ForegroundRole)
    assert isinstance(buy_brush, QBrush)
    assert isinstance(sell_brush, QBrush)
    assert buy_brush.color() != sell_brush.color()
    assert cell(model, other, Column.ACTION, Qt.ItemDataRole.ForegroundRole) is None
    assert cell(model, other, Column.ACTION) == "CLOSE"


def test_tooltip_escapes_markup_from_the_feed(make_record: RecordFactory) -> None:
    """A strategy name that looks like HTML shows as text in the tooltip, which Qt reads as rich text."""
    model = TradeTableModel()
    record = make_record(strategy_name="<b>x</b><img src=x>")
    model.add_records([record])
    tooltip = cell(model, record, Column.STRATEGY, Qt.ItemDataRole.ToolTipRole)
    assert isinstance(tooltip, str)
    assert "&lt;b&gt;x&lt;/b&gt;&lt;img src=x&gt;" in tooltip
    assert "<b>" not in tooltip
    assert "<img" not in tooltip
    assert cell(model, record, Column.STRATEGY) == "<b>x</b><img src=x>"


def test_sort_role_gives_numbers_for_numeric_columns(make_record: RecordFactory) -> None:
    """Price, amount and time sort as numbers, not as their display text."""
    model = TradeTableModel()
    record = make_record(price=9.5, amount=3.0, received_at=1_700_000_000.25)
    model.add_records([record])
    assert cell(model, record, Column.PRICE, SORT_ROLE) == 9.5
    assert isinstance(cell(model, record, Column.PRICE, SORT_ROLE), float)
    assert cell(model, record, Column.AMOUNT, SORT_ROLE) == 3.0
    assert cell(model, record, Column.TIME, SORT_ROLE) == 1_700_000_000.25
    assert cell(model, record, Column.PRICE, RECORD_ROLE) is record


def test_data_outside_the_table_is_none(make_record: RecordFactory) -> None:
    """An invalid index or a row past the end reads as no data."""
    model = TradeTableModel()
    model.add_records([make_record()])
    assert model.data(QModelIndex()) is None
    assert model.data(model.index(5, 0)) is None


def test_row_of_finds_a_record_by_id(make_record: RecordFactory) -> None:
    """A saved record is found by its log id, even through another object with that id."""
    model = TradeTableModel()
    model.add_records([make_record(record_id=n) for n in (1, 2, 3)])
    assert model.row_of(make_record(record_id=2)) == 1  # rows are newest first: 3, 2, 1
    assert model.row_of(make_record(record_id=99)) is None


def test_row_of_finds_an_unsaved_record_by_identity(make_record: RecordFactory) -> None:
    """A record the log could not save (id None) is found as that very object, not by equality."""
    model = TradeTableModel()
    unsaved = make_record(record_id=None, received_at=1.0, raw="{}")
    model.add_records([make_record(record_id=1), unsaved, make_record(record_id=None)])
    twin = TradeRecord(None, unsaved.received_at, unsaved.signal, unsaved.raw)
    assert twin == unsaved
    assert model.row_of(unsaved) == 1
    assert model.row_of(twin) is None


@pytest.mark.parametrize(
    ("text", "expected"), [("btc buy", [1]), ("BTC  BUY", [1]), ("usdt", [1, 2, 3]), ("", [1, 2, 3])]
)
def test_filter_keeps_rows_containing_every_word(make_record: RecordFactory, text: str, expected: list[int]) -> None:
    """Each word typed must appear somewhere in the row, in any case."""
    model = TradeTableModel()
    model.add_records(
        [
            make_record(record_id=1, symbol="BTCUSDT", action="BUY"),
            make_record(record_id=2, symbol="BTCUSDT", action="SELL"),
            make_record(record_id=3, symbol="ETHUSDT", action="BUY", strategy_name="ETH_Grid"),
        ]
    )
    proxy = TradeFilterProxy()
    proxy.setSourceModel(model)
    proxy.set_filter_text(text)
    assert sorted(record.id for record in shown(proxy)) == expected


def test_sorting_by_price_is_numeric(make_record: RecordFactory) -> None:
    """9.5 comes before 20 and 100, which text order ("100.00" < "20.00" < "9.50") would not give."""
    model = TradeTableModel()
    model.add_records([make_record(price=price) for price in (100.0, 9.5, 20.0)])
    proxy = TradeFilterProxy()
    proxy.setSourceModel(model)
    proxy.sort(Column.PRICE, Qt.SortOrder.AscendingOrder)
    assert [record.signal.price for record in shown(proxy)] == [9.5, 20.0, 100.0]
    proxy.sort(Column.PRICE, Qt.SortOrder.DescendingOrder)
    assert [record.signal.price for record in shown(proxy)] == [100.0, 20.0, 9.5]
