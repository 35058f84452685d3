"""The trades window: signals newest first (or oldest first, sorted by time), with a filter box, a
date range and the feed's status.

With a reader behind the model, the filter box and the date range query the whole log (debounced
as the user types) and Export CSV streams what the query matches to the file, on the reader's
thread, with a progress bar and a Cancel button; the window never waits for the log.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from concurrent.futures import Future
from dataclasses import replace
from functools import partial
from pathlib import Path

from PySide6.QtCore import QDate, QDateTime, QItemSelectionModel, QModelIndex, Qt, QTime, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QFontDatabase, QGuiApplication, QIcon, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from ...feed.records import TradeRecord
from ...log.export import write_csv_file
from ...log.query import TradeQuery, filter_query
from ...log.reader import ExportCancelled
from ...util.formatting import format_price, format_size, plural, safe_text
from ...util.tasks import in_own_thread
from ..future_relay import FutureRelay
from ..repaint_throttle import Paced, RepaintThrottle
from .dashboard import DashboardWidget
from .trade_delegate import TradeCellDelegate
from .trade_model import Column, TradeFilterProxy, TradeSortProxy, TradeTableModel, plain_tooltip

__all__ = ["TradesWindow"]

log = logging.getLogger(__name__)

WINDOW_TITLE = "AlgoMesh Tray — Trades"
#: Typing pauses this long before the log is asked: one query per word, not per keystroke.
QUERY_DELAY_MS = 250
#: While the feed streams, the status bar's counts change at most this often.
STATUS_INTERVAL_MS = 500
_NO_DATE = QDate(2000, 1, 1)  # the date edits' minimum, shown as "any"


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
        self.proxy = TradeFilterProxy(self) if model.reader is None else TradeSortProxy(self)
        self.proxy.setSourceModel(model)
        self._pending_record: TradeRecord | None = None  # to select once the log's rows arrive
        self._export_cancel: threading.Event | None = None
        self._export_relay = FutureRelay(self)
        self._feed_text = ("", "")  # the session's counts, and the last rejected frame's reason
        self.addToolBar(self._build_toolbar(actions))
        self.table = self._build_table()
        self.dashboard = DashboardWidget(model)
        self.tabs = QTabWidget()
        self.tabs.addTab(self._build_trades_page(), "Trades")
        self.tabs.addTab(self.dashboard, "Dashboard")
        self.setCentralWidget(self.tabs)
        self._build_status_bar()
        self._connect()
        self._update_status_counts()

    def _build_toolbar(self, actions: list[QAction]) -> QToolBar:
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
        return toolbar

    def _build_table(self) -> QTableView:
        table = QTableView()
        table.setModel(self.proxy)
        table.setItemDelegate(TradeCellDelegate(table))  # repainted every second while the feed streams
        table.setSortingEnabled(True)
        table.sortByColumn(Column.TIME, Qt.SortOrder.DescendingOrder)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setAlternatingRowColors(True)
        table.setWordWrap(False)
        table.verticalHeader().hide()
        table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header = table.horizontalHeader()
        header.setStretchLastSection(True)
        for column, width in ((Column.TIME, 90), (Column.ENGINE, 80), (Column.STRATEGY, 190), (Column.SYMBOL, 90),
                              (Column.ACTION, 70), (Column.AMOUNT, 120), (Column.PRICE, 100), (Column.ORDER_TYPE, 70),
                              (Column.TRADE_TYPE, 60)):  # fmt: skip
            header.resizeSection(column, width)
        return table

    def _build_trades_page(self) -> QWidget:
        self.filter_edit = QLineEdit(placeholderText="Filter: strategy, symbol, buy/sell, status, engine:NAME…")
        self.filter_edit.setClearButtonEnabled(True)
        self.since_edit = _date_edit("From any day")
        self.until_edit = _date_edit("To any day")
        filter_row = QHBoxLayout()
        filter_row.addWidget(self.filter_edit, 1)
        if self.model.reader is not None:  # a date range is asked of the log; without it there is none
            filter_row.addWidget(QLabel("From"))
            filter_row.addWidget(self.since_edit)
            filter_row.addWidget(QLabel("to"))
            filter_row.addWidget(self.until_edit)
        self.detail = QPlainTextEdit(readOnly=True)  # plain text: feed text is never markup here
        self.detail.setPlaceholderText("Select a trade to see all its fields and the frame as received.")
        self.detail.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(self.detail)
        splitter.setSizes([380, 140])
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addLayout(filter_row)
        layout.addWidget(splitter)
        return page

    def _build_status_bar(self) -> None:
        # The count of trades shown changes with each signal: here, not in the filter row, where a
        # new text relays the tab's layout and QTabWidget then repaints the whole tab.
        self.shown_label = QLabel(textFormat=Qt.TextFormat.PlainText)
        self.shown_label.setContentsMargins(0, 0, 12, 0)  # apart from the feed's counts beside it
        self.connection_label = QLabel(textFormat=Qt.TextFormat.PlainText)
        self.feed_label = QLabel(textFormat=Qt.TextFormat.PlainText)
        self.export_progress = QProgressBar()
        self.export_progress.setMaximumWidth(160)
        self.export_progress.setMaximum(1000)
        self.export_progress.setTextVisible(False)
        self.export_cancel = QPushButton("Cancel export")
        self.statusBar().addWidget(self.connection_label, 1)
        self.statusBar().addPermanentWidget(self.shown_label)
        self.statusBar().addPermanentWidget(self.export_progress)
        self.statusBar().addPermanentWidget(self.export_cancel)
        self.statusBar().addPermanentWidget(self.feed_label)
        self.export_progress.hide()
        self.export_cancel.hide()

    def _connect(self) -> None:
        model = self.model
        self._export_relay.progressed.connect(self._on_export_progressed)
        self.export_cancel.clicked.connect(self._on_export_cancel_clicked)
        # Type-ahead: the log is asked once typing pauses.
        self._query_timer = QTimer(self, singleShot=True, interval=QUERY_DELAY_MS)
        self._query_timer.timeout.connect(self.apply_query)
        # A filter change removes rows block by block (thousands of signals): count once after.
        # A streaming feed: the texts at most twice a second (with a full table each signal also
        # lets a row go, which must not set the feed's text each time: only the count, unchanged).
        self._count_timer = QTimer(self, singleShot=True, interval=0)
        self._count_timer.timeout.connect(self._update_shown_count)
        self._paced_counts = Paced(self._update_status_counts, interval_ms=STATUS_INTERVAL_MS, parent=self)
        # A signal's new session count asks for the texts once its row is in (later in the same
        # turn of the loop): asked at once, they showed the count with the trades before it.
        self._feed_changed = QTimer(self, singleShot=True, interval=0)
        self._feed_changed.timeout.connect(self._paced_counts.ask)
        if model.reader is not None:
            self.filter_edit.textChanged.connect(self._query_timer.start)
            self.since_edit.dateChanged.connect(self._query_timer.start)
            self.until_edit.dateChanged.connect(self._query_timer.start)
            model.page_loaded.connect(self._on_model_page_loaded)
            model.more_to_fetch.connect(self._on_model_more_to_fetch)
            model.fetch_failed.connect(lambda message: self.statusBar().showMessage(message, 60_000))
        else:
            assert isinstance(self.proxy, TradeFilterProxy)
            self.filter_edit.textChanged.connect(self.proxy.set_filter_text)
        self.table.selectionModel().selectionChanged.connect(self._on_table_selection_changed)
        self.copy_action.triggered.connect(self._on_copy_action_triggered)
        self.export_action.triggered.connect(self._on_export_action_triggered)
        for change in (self.proxy.rowsRemoved, self.proxy.modelReset, self.proxy.layoutChanged):
            change.connect(self._count_timer.start)
        self.proxy.rowsInserted.connect(self._paced_counts.ask)
        # A steady feed moves every visible row each time: a few repaints a second, not one per signal.
        self._repaints = RepaintThrottle(self.table)
        self.proxy.rowsInserted.connect(self._repaints.changed)

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
        hidden = not self.model.query.is_everything or self.model.oldest_first
        if row is None and self.model.reader is not None and hidden:
            # The trade is in the log, hidden by the query or not yet paged to (oldest first): show
            # the newest with no filter, and the trade once its rows arrive.
            self._clear_query()
            self.table.sortByColumn(Column.TIME, Qt.SortOrder.DescendingOrder)
            self._pending_record = record
            return
        if row is None and self.model.fetching:  # the table is reading the log (built just now): the
            self._pending_record = record  # trade once its rows arrive
            return
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

    def show_recent(self) -> None:
        """Bring the window up on the newest trades with nothing selected: for a click on a tray
        message that cannot say which trade it was about (never select the wrong one)."""
        self.tabs.setCurrentIndex(0)
        self._pending_record = None
        if self.model.reader is not None and not self.model.query.is_everything:
            self._clear_query()  # the log is asked afresh for its newest trades
        self.filter_edit.clear()
        self.table.sortByColumn(Column.TIME, Qt.SortOrder.DescendingOrder)
        self.table.selectionModel().clear()
        self.table.scrollToTop()
        self.show()
        self.raise_()
        self.activateWindow()
        log.info("trades window shows the recent trades (the message clicked could not be told apart)")

    def selected_record(self) -> TradeRecord | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        return self.model.record_at(self.proxy.mapToSource(rows[0]).row())

    def set_connection_text(self, text: str) -> None:
        self.connection_label.setText(text)

    def set_feed_text(self, text: str, last_rejection: str = "") -> None:
        """The session's counts; the reason the last frame was rejected shows on hover."""
        self._feed_text = (text, last_rejection)
        self._feed_changed.start()

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
        dialog.fileSelected.connect(self.export_query)
        dialog.open()

    def query(self) -> TradeQuery:
        """What the filter box (its words, and ``engine:NAME``) and the date range select (dates in
        local time, "to" included)."""
        since = until = None
        if self.since_edit.date() != _NO_DATE:
            since = QDateTime(self.since_edit.date(), QTime(0, 0)).toSecsSinceEpoch()
        if self.until_edit.date() != _NO_DATE:
            until = QDateTime(self.until_edit.date().addDays(1), QTime(0, 0)).toSecsSinceEpoch()
        return filter_query(self.filter_edit.text(), since=since, until=until)

    def apply_query(self) -> None:
        """Ask the log for what the filter and dates select now (the type-ahead timer's end)."""
        self._query_timer.stop()
        self.model.set_query(self.query())

    def _clear_query(self) -> None:
        for edit in (self.since_edit, self.until_edit):
            edit.setDate(_NO_DATE)
        self.filter_edit.clear()
        self.apply_query()

    def _on_model_page_loaded(self, rows: int) -> None:
        self._count_timer.start()
        record, self._pending_record = self._pending_record, None
        if record is None:
            return
        if self.model.row_of(record) is not None:
            self.show_record(record)
        elif self.model.canFetchMore() and self.model.rowCount() < self.model.max_rows:
            # Older than the rows read so far (a popup clicked long after it came, the table
            # built just now): the next page, as far as the table keeps live trades.
            self._pending_record = record
            self.model.fetchMore()

    def _on_model_more_to_fetch(self) -> None:
        """Live trades went to the log past a full tail (oldest first): at the table's end, fetch them
        as the view does when scrolled there (it asks only when it scrolls or its rows change, and
        neither happened). Elsewhere, or hidden, they wait for the user to scroll down."""
        self._count_timer.start()  # "(scroll for newer)"
        bar = self.table.verticalScrollBar()
        if self.table.isVisible() and bar.value() == bar.maximum():
            self.proxy.fetchMore(QModelIndex())

    def export_query(self, path: str) -> None:
        """Stream every trade the query matches to ``path`` (not only those loaded), off the Qt thread,
        in the table's time order (oldest first when sorted so); without a readable log, the rows
        the table shows, in its order whatever the column."""
        reader = self.model.reader
        if self._export_cancel is not None:
            return
        self._export_cancel = threading.Event()
        if reader is not None:
            query = replace(self.query(), oldest_first=self.model.oldest_first)
            future = reader.export_csv(query, Path(path), on_progress=self._export_relay.report_progress,
                                       cancel=self._export_cancel)  # fmt: skip
        else:
            shown = self.shown_records()
            future = in_own_thread(partial(write_csv_file, shown, Path(path)), name="table-export")
        self.export_action.setEnabled(False)
        self.export_progress.setValue(0)
        # The rows shown are written in one go: no progress to report, nothing worth cancelling.
        self.export_progress.setVisible(reader is not None)
        self.export_cancel.setVisible(reader is not None)
        self.statusBar().showMessage(f"Exporting to {path}…")
        self._export_relay.when_done(future, lambda done: self._on_export_done(path, done))

    def _on_export_progressed(self, rows: int, fraction: float) -> None:
        self.export_progress.setValue(int(fraction * 1000))
        self.statusBar().showMessage(f"Exporting… {rows:,} trades written")

    def _on_export_cancel_clicked(self) -> None:
        if self._export_cancel is not None:
            self._export_cancel.set()

    def _on_export_done(self, path: str, future: Future[int]) -> None:
        self._export_cancel = None
        self.export_action.setEnabled(True)
        self.export_progress.hide()
        self.export_cancel.hide()
        try:
            count = future.result()
        except ExportCancelled:
            self.statusBar().showMessage("Export cancelled; no file was left.", 60_000)
        except OSError as error:
            self.statusBar().showMessage(f"Could not export to {path}: {error.strerror or error}", 60_000)
        except Exception as error:  # sqlite3.Error: the log could not be read
            self.statusBar().showMessage(f"Could not export to {path}: {error}", 60_000)
        else:
            self.statusBar().showMessage(
                f"Exported {plural(count, 'trade')} to {path}{self._export_order_note()}", 60_000
            )

    def _export_order_note(self) -> str:
        """What the message adds when the file's order is not the table's: the log streams in time
        order, and a sort by another column orders only the rows the table has read."""
        column = self.table.horizontalHeader().sortIndicatorSection()
        if self.model.reader is None or column == Column.TIME:
            return ""
        order = "oldest" if self.model.oldest_first else "newest"
        return f", {order} first (the whole log goes in time order, not by {Column.HEADERS[column]})"

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.hide_on_close:
            event.ignore()
            self.hide()
        else:
            self.close_requested.emit()
            event.accept()

    def _update_status_counts(self) -> None:
        text, last_rejection = self._feed_text
        self.feed_label.setText(text)
        self.feed_label.setToolTip(plain_tooltip(f"Last rejected frame: {safe_text(last_rejection, 300)}")
                                   if last_rejection else "")  # fmt: skip
        self._update_shown_count()

    def _update_shown_count(self) -> None:
        shown, total = self.proxy.rowCount(), self.model.rowCount()
        if self.model.reader is not None:  # the log knows how many; the table, how many it has read
            noun = "trade" if total == 1 else "trades"
            direction = "newer" if self.model.oldest_first else "older"
            more = f" (scroll for {direction})" if self.model.canFetchMore() else ""
            matching = "" if self.model.query.is_everything else " matching"
            self.shown_label.setText(f"{total:,}{matching} {noun}{more}")
            return
        self.shown_label.setText(plural(total, "trade") if shown == total else f"{shown:,} of {plural(total, 'trade')}")


def _date_edit(tip: str) -> QDateEdit:
    """A day in local time, or "any" (the minimum date)."""
    edit = QDateEdit()
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    edit.setMinimumDate(_NO_DATE)
    edit.setSpecialValueText("any")
    edit.setDate(_NO_DATE)
    edit.setToolTip(tip)
    return edit


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
