"""The trades window: recent signals, newest first, with a filter box and the feed's status."""

from __future__ import annotations

import json
import logging
import time

from PySide6.QtCore import QItemSelectionModel, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QFontDatabase, QGuiApplication, QIcon, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPlainTextEdit,
    QSplitter,
    QTableView,
    QTabWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from ..formatting import format_price, format_size, safe_text
from ..tradelog import TradeRecord
from .dashboard import DashboardWidget
from .repaint_throttle import RepaintThrottle
from .trade_model import Column, TradeFilterProxy, TradeTableModel, plain_tooltip

__all__ = ["TradesWindow"]

log = logging.getLogger(__name__)

WINDOW_TITLE = "AlgoMesh Tray — Trades"


class TradesWindow(QMainWindow):
    """Shows the model; closing hides it while a tray icon can bring it back."""

    close_requested = Signal()
    #: (path, records): the table as filtered, for the app to write off the Qt thread.
    export_requested = Signal(str, list)

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
        toolbar.addSeparator()
        close_action = QAction("Close", self, shortcut=QKeySequence(QKeySequence.StandardKey.Close))  # Ctrl+W
        close_action.triggered.connect(self.close)
        self.addAction(close_action)
        self.copy_action = toolbar.addAction("Copy as JSON")
        self.copy_action.setShortcut(QKeySequence.StandardKey.Copy)
        self.copy_action.setEnabled(False)
        self.export_action = toolbar.addAction("Export CSV…")
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
        trades_page = QWidget()
        layout = QVBoxLayout(trades_page)
        layout.addLayout(filter_row)
        self.detail = QPlainTextEdit(readOnly=True)  # plain text: feed text is never markup here
        self.detail.setPlaceholderText("Select a trade to see all its fields and the frame as received.")
        self.detail.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(self.detail)
        splitter.setSizes([380, 140])
        layout.addWidget(splitter)
        self.dashboard = DashboardWidget(model)
        self.tabs = QTabWidget()
        self.tabs.addTab(trades_page, "Trades")
        self.tabs.addTab(self.dashboard, "Dashboard")
        self.setCentralWidget(self.tabs)

        self.connection_label = QLabel(textFormat=Qt.TextFormat.PlainText)
        self.feed_label = QLabel(textFormat=Qt.TextFormat.PlainText)
        self.statusBar().addWidget(self.connection_label, 1)
        self.statusBar().addPermanentWidget(self.feed_label)

        # A filter change removes rows block by block (thousands of signals): count once after.
        self._count_timer = QTimer(self, singleShot=True, interval=0)
        self._count_timer.timeout.connect(self._update_shown_count)
        self.filter_edit.textChanged.connect(self.proxy.set_filter_text)
        self.table.selectionModel().selectionChanged.connect(self._on_table_selection_changed)
        self.copy_action.triggered.connect(self._on_copy_action_triggered)
        self.export_action.triggered.connect(self._on_export_action_triggered)
        for change in (
            self.proxy.rowsInserted,
            self.proxy.rowsRemoved,
            self.proxy.modelReset,
            self.proxy.layoutChanged,
        ):
            change.connect(self._count_timer.start)
        # A steady feed moves every visible row each time: a few repaints a second, not one per signal.
        self._repaints = RepaintThrottle(self.table)
        self.proxy.rowsInserted.connect(self._repaints.changed)
        self._status_repaints = RepaintThrottle(self.statusBar())  # the counts change with each signal
        self._update_shown_count()

    def show_record(self, record: TradeRecord | None) -> None:
        """Bring the window up, with ``record`` selected and scrolled to when it is in the table."""
        if record is not None:
            self.tabs.setCurrentIndex(0)
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

    def set_feed_text(self, text: str, last_rejection: str = "") -> None:
        """The session's counts; the reason the last frame was rejected shows on hover."""
        self._status_repaints.changed()
        self.feed_label.setText(text)
        self.feed_label.setToolTip(plain_tooltip(f"Last rejected frame: {safe_text(last_rejection, 300)}")
                                   if last_rejection else "")  # fmt: skip

    def shown_records(self) -> list[TradeRecord]:
        """The trades as the table shows them: filtered, in the current order."""
        return [self.model.record_at(self.proxy.mapToSource(self.proxy.index(row, 0)).row())
                for row in range(self.proxy.rowCount())]  # fmt: skip

    def _on_table_selection_changed(self) -> None:
        record = self.selected_record()
        self.copy_action.setEnabled(record is not None)
        self.detail.setPlainText("" if record is None else _detail_text(record))

    def _on_copy_action_triggered(self) -> None:
        record = self.selected_record()
        if record is not None:
            QGuiApplication.clipboard().setText(_pretty_frame(record.raw))
            self.statusBar().showMessage("Copied the trade's frame as JSON.", 5000)

    def _on_export_action_triggered(self) -> None:
        # Not the static getSaveFileName: its nested event loop would re-enter the asyncio loop.
        dialog = QFileDialog(self, "Export trades as CSV", "algomesh-trades.csv", "CSV files (*.csv)")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix("csv")
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.fileSelected.connect(lambda path: self.export_requested.emit(path, self.shown_records()))
        dialog.open()

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


def _pretty_frame(raw: str) -> str:
    try:
        return json.dumps(json.loads(raw), indent=2, ensure_ascii=False)
    except ValueError:
        return raw


def _detail_text(record: TradeRecord) -> str:
    """Every field, then the frame as received; direction and control characters made visible."""
    signal = record.signal
    when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(record.received_at))
    saved = record.id if record.id is not None else "(not saved yet)"
    lines = [
        f"{signal.action} {signal.symbol} — {format_size(signal.amount, signal.size_type)} @ "
        f"{format_price(signal.price)}",
        f"Strategy {signal.strategy_name} · {signal.order_type} · {signal.trade_type} · {signal.status}",
        f"Received {when} · trade log id {saved}",
        "",
        *_pretty_frame(record.raw).splitlines(),
    ]
    return "\n".join(safe_text(line) for line in lines)
