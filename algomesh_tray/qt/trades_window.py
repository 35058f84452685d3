"""The trades window: recent signals, newest first, with a filter box and the feed's status."""

from __future__ import annotations

import logging

from PySide6.QtCore import QItemSelectionModel, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QIcon
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QTableView,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from ..tradelog import TradeRecord
from .trade_model import Column, TradeFilterProxy, TradeTableModel

__all__ = ["TradesWindow"]

log = logging.getLogger(__name__)

WINDOW_TITLE = "AlgoMesh Tray — Trades"


class TradesWindow(QMainWindow):
    """Shows the model; closing hides it while a tray icon can bring it back."""

    close_requested = Signal()

    def __init__(self, model: TradeTableModel, actions: list[QAction], icon: QIcon) -> None:
        super().__init__()
        self.setWindowTitle(WINDOW_TITLE)
        self.setWindowIcon(icon)
        self.resize(1120, 560)
        self.hide_on_close = True
        self.model = model
        self.proxy = TradeFilterProxy(self)
        self.proxy.setSourceModel(model)

        toolbar = QToolBar("Actions", self)
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        toolbar.addActions(actions)
        self.addToolBar(toolbar)

        self.filter_edit = QLineEdit(placeholderText="Filter: strategy, symbol, buy/sell, status…")
        self.filter_edit.setClearButtonEnabled(True)
        self.shown_label = QLabel()
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(Column.TIME, Qt.SortOrder.DescendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        for column, width in ((Column.TIME, 90), (Column.STRATEGY, 190), (Column.SYMBOL, 90), (Column.ACTION, 70),
                              (Column.AMOUNT, 120), (Column.PRICE, 100), (Column.ORDER_TYPE, 70),
                              (Column.TRADE_TYPE, 60)):  # fmt: skip
            header.resizeSection(column, width)

        filter_row = QHBoxLayout()
        filter_row.addWidget(self.filter_edit, 1)
        filter_row.addWidget(self.shown_label)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.addLayout(filter_row)
        layout.addWidget(self.table)
        self.setCentralWidget(central)

        self.connection_label = QLabel(textFormat=Qt.TextFormat.PlainText)
        self.feed_label = QLabel(textFormat=Qt.TextFormat.PlainText)
        self.statusBar().addWidget(self.connection_label, 1)
        self.statusBar().addPermanentWidget(self.feed_label)

        # A filter change removes rows block by block (thousands of signals): count once after.
        self._count_timer = QTimer(self, singleShot=True, interval=0)
        self._count_timer.timeout.connect(self._update_shown_count)
        self.filter_edit.textChanged.connect(self.proxy.set_filter_text)
        for change in (
            self.proxy.rowsInserted,
            self.proxy.rowsRemoved,
            self.proxy.modelReset,
            self.proxy.layoutChanged,
        ):
            change.connect(self._count_timer.start)
        self._update_shown_count()

    def show_record(self, record: TradeRecord | None) -> None:
        """Bring the window up, with ``record`` selected and scrolled to when it is in the table."""
        self.show()
        self.raise_()
        self.activateWindow()
        if record is None:
            return
        row = self.model.row_of(record)
        if row is None:
            log.info("trade %s is no longer in the table", record.id)
            return
        proxy_index = self.proxy.mapFromSource(self.model.index(row, 0))
        if not proxy_index.isValid():  # hidden by the filter: clear it so the trade shows
            self.filter_edit.clear()
            proxy_index = self.proxy.mapFromSource(self.model.index(row, 0))
        flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        self.table.selectionModel().setCurrentIndex(proxy_index, flags)
        self.table.scrollTo(proxy_index, QAbstractItemView.ScrollHint.PositionAtCenter)
        log.info("trades window shows trade id=%s", record.id)

    def selected_record(self) -> TradeRecord | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        return self.model.record_at(self.proxy.mapToSource(rows[0]).row())

    def set_connection_text(self, text: str) -> None:
        self.connection_label.setText(text)

    def set_feed_text(self, text: str) -> None:
        self.feed_label.setText(text)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.hide_on_close:
            event.ignore()
            self.hide()
        else:
            self.close_requested.emit()
            event.accept()

    def _update_shown_count(self) -> None:
        shown, total = self.proxy.rowCount(), self.model.rowCount()
        noun = "trade" if total == 1 else "trades"
        self.shown_label.setText(f"{total:,} {noun}" if shown == total else f"{shown:,} of {total:,} {noun}")
