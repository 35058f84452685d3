"""TradeCellDelegate draws what Qt's own delegate draws, pixel for pixel, at a fraction of the cost:
two tables over one model, one with each delegate, grabbed and compared."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QFont, QImage
from PySide6.QtWidgets import QStyledItemDelegate, QTableView
from pytestqt.qtbot import QtBot

from algomesh_tray.qt.trades import trade_delegate
from algomesh_tray.qt.trades.trade_delegate import TradeCellDelegate
from algomesh_tray.qt.trades.trade_model import TradeSortProxy, TradeTableModel

from ..conftest import RecordFactory


def _table(qtbot: QtBot, proxy: TradeSortProxy, delegate: type[QStyledItemDelegate]) -> QTableView:
    table = QTableView()
    qtbot.addWidget(table)
    table.setModel(proxy)
    table.setItemDelegate(delegate(table))
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    table.resize(1100, 400)
    for column, width in enumerate((90, 150, 90, 70, 120, 100, 70, 60)):
        table.horizontalHeader().resizeSection(column, width)
    table.show()
    return table


def _pixels(table: QTableView) -> QImage:
    return table.viewport().grab().toImage()


@pytest.fixture
def tables(qtbot: QtBot, make_record: RecordFactory) -> tuple[QTableView, QTableView]:
    """(Qt's delegate, ours) over the same trades: both actions and another, a name too long for
    its column, text that looks like markup, big and small numbers, a long size type."""
    model = TradeTableModel()
    model.add_records([
        make_record(),
        make_record(action="SELL", symbol="ETHUSDT", price=1.0832, amount=12.5),
        make_record(action="HOLD", strategy_name="A_Very_Long_Strategy_Name_That_Does_Not_Fit_Its_Column"),
        make_record(strategy_name="<b>Bold</b> &amp; <i>markup</i>", status="<font color=red>X</font>"),
        make_record(price=123_456_789.12345678, size_type="percent_of_the_whole_account_equity"),
        make_record(action="SELL", trade_type="paper", order_type="Limit", status="FAILED"),
    ])  # fmt: skip
    proxy = TradeSortProxy()
    proxy.setSourceModel(model)
    return _table(qtbot, proxy, QStyledItemDelegate), _table(qtbot, proxy, TradeCellDelegate)


def test_cells_look_as_qt_draws_them(tables: tuple[QTableView, QTableView]) -> None:
    """Colours, the bold action, numbers to the right, elided names, markup drawn as text."""
    styled, ours = tables
    assert _pixels(ours) == _pixels(styled)
    assert _pixels(ours) != _pixels(_table_without_rows(styled))  # the comparison sees the text


def test_a_selected_row_and_a_changed_font_look_as_qt_draws_them(tables: tuple[QTableView, QTableView]) -> None:
    """The selected row is the style's own; after a font change no layout of the old font is drawn."""
    styled, ours = tables
    for table in tables:
        table.selectRow(1)
    assert _pixels(ours) == _pixels(styled)
    for table in tables:
        font = QFont(table.font())
        font.setPointSize(font.pointSize() + 3)
        table.setFont(font)
    assert _pixels(ours) == _pixels(styled)


def test_kept_layouts_are_bounded(qtbot: QtBot, make_record: RecordFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ever-new prices (or names) do not grow the kept layouts without end."""
    monkeypatch.setattr(trade_delegate, "_MAX_LAYOUTS", 50)
    model = TradeTableModel()
    proxy = TradeSortProxy()
    proxy.setSourceModel(model)
    table = _table(qtbot, proxy, TradeCellDelegate)
    delegate = table.itemDelegate()
    assert isinstance(delegate, TradeCellDelegate)
    for number in range(100):
        model.add_records([make_record(price=1000.0 + number, strategy_name=f"Strategy_{number}")])
        _pixels(table)
        assert 0 < delegate.layouts_kept <= 50


def _table_without_rows(table: QTableView) -> QTableView:
    empty = QTableView()
    empty.setModel(TradeTableModel())
    empty.setAlternatingRowColors(True)
    empty.resize(table.size())
    empty.show()
    return empty
