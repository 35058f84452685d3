"""The dashboard tab: totals per strategy and symbol (today and all time), of every engine or of the
one picked, and a live price chart of the selected market with its buys and sells marked."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from concurrent.futures import Future
from typing import Any, Final

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPointF,
    QSortFilterProxyModel,
    Qt,
    QTimer,
)
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPaintEvent, QPen, QPolygonF, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ...feed.records import RejectedRecord, TradeRecord
from ...log.query import TradeQuery
from ...log.summary import Summary, SummaryRow
from ...log.totals import LogTotals
from ...util.days import start_of_today
from ...util.formatting import format_price, format_time, format_volume, safe_text
from ..future_relay import FutureRelay
from ..repaint_throttle import Paced, RepaintThrottle
from .trade_model import SIZE_TYPE_CHARS, SORT_ROLE, TradeTableModel, plain_tooltip

__all__ = ["Column", "DashboardWidget", "PriceChart", "SummaryModel"]

_Index = QModelIndex | QPersistentModelIndex
log = logging.getLogger(__name__)


class Column:
    """Column numbers and headers, in display order; from TODAY on, the figures (right-aligned)."""

    STRATEGY, SYMBOL, TODAY, VOLUME_TODAY, ALL_TIME, BUYS, SELLS, REJECTED, VOLUME, LAST_PRICE, LAST_SEEN = range(11)
    HEADERS: Final = ("Strategy", "Symbol", "Today", "Volume today", "All time", "Buys", "Sells", "Rejected",
                      "Volume", "Last price", "Last seen")  # fmt: skip


_BUY, _SELL = QColor("#15803d"), QColor("#b91c1c")
#: The least time between two updates of the figures while the feed streams.
CHANGES_INTERVAL_MS: Final = 500


class SummaryModel(QAbstractTableModel):
    """Rows of a Summary; starts empty until the totals from the log arrive, then follows live."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.summary = Summary()
        self.loaded_up_to: tuple[int, int] | None = None  # newest (trade, rejected) ids counted; None: not loaded
        self._waiting: list[TradeRecord | RejectedRecord] = []
        #: The engine counted (its name, ASCII case aside, as the log's query has it); None: every engine.
        self.engine: str | None = None
        self._engine_query = TradeQuery()
        # Rows whose figures changed, told to views (and the sorting proxy, which re-sorts calling
        # Python for each comparison) at most twice a second: a steady feed changes one per signal.
        self._changed: set[int] = set()
        self._paced_changes = Paced(self._emit_changed, interval_ms=CHANGES_INTERVAL_MS, parent=self)
        # A quiet feed still gets a new day at midnight: look once a minute.
        self._day_check = QTimer(self, interval=60_000)
        self._day_check.timeout.connect(lambda: self.roll_over(time.time()))
        self._day_check.start()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.summary.rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(Column.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return Column.HEADERS[section]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.summary.rows[index.row()]
        if role == SORT_ROLE:
            value = _value(row, index.column())
            return sorted(value.items()) if isinstance(value, dict) else value
        if role == Qt.ItemDataRole.DisplayRole:
            return _display(row, index.column())
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == Column.REJECTED and row.rejected:
            return plain_tooltip(f"{row.today_rejected:,} today. The last one: {safe_text(row.last_rejection, 300)}")
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() >= Column.TODAY:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def load_totals(self, totals: LogTotals, *, today_starts: float) -> None:
        """The log's totals; records that arrived meanwhile (newer ids) are counted on top."""
        self.beginResetModel()
        self._changed.clear()
        self.summary = Summary.from_totals(totals, today_starts=today_starts)
        self.loaded_up_to = (totals.newest_trade_id, totals.newest_rejected_id)
        self.endResetModel()
        waiting, self._waiting = self._waiting, []
        self.add_records(waiting)

    def show_engine(self, engine: str | None) -> None:
        """Count ``engine``'s trades only (None: every engine's), from the totals loaded next; until
        they arrive the table is empty and live records wait. Rejected signals are not told apart by
        engine: only "every engine" counts them."""
        self.beginResetModel()
        self.engine, self._engine_query = engine, TradeQuery(engine=engine)
        self._changed.clear()
        self.summary = Summary(today_starts=self.summary.today_starts)
        self.loaded_up_to = None
        self.endResetModel()

    def roll_over(self, now: float) -> None:
        """Start a new day in the totals if midnight has passed, and repaint the today figures."""
        if self.summary.roll_over(now) and self.summary.rows:
            last = self.index(len(self.summary.rows) - 1, len(Column.HEADERS) - 1)
            self.dataChanged.emit(self.index(0, Column.TODAY), last)

    def add_records(self, records: Sequence[TradeRecord | RejectedRecord]) -> None:
        """Trades and rejected signals in the order they arrived; those the loaded totals hold are skipped."""
        if self.loaded_up_to is None:
            self._waiting.extend(records)
            return
        if records:
            self.roll_over(records[-1].received_at)
        newest_trade, newest_rejected = self.loaded_up_to
        for record in records:
            if isinstance(record, RejectedRecord):
                if (record.id is not None and record.id <= newest_rejected) or self.engine is not None:
                    continue
                row, created = self.summary.add_rejected(record)
            else:
                if (record.id is not None and record.id <= newest_trade) or not self._engine_query.matches(record):
                    continue
                row, created = self.summary.add(record)
            if created:
                self._emit_changed()  # before the rows below move
                self.beginInsertRows(QModelIndex(), row, row)
                self.endInsertRows()
            else:
                self._changed.add(row)
        if self._changed:
            self._paced_changes.ask()

    def _emit_changed(self) -> None:
        rows, self._changed = sorted(self._changed), set()
        for row in rows:
            self.dataChanged.emit(self.index(row, Column.TODAY), self.index(row, len(Column.HEADERS) - 1))


class _SummaryProxy(QSortFilterProxyModel):
    """Sorts by each cell's sort value compared in Python: a volume is a tuple of (size type,
    amount), so rows group by size type instead of adding percent to quantities."""

    def lessThan(self, left: _Index, right: _Index) -> bool:
        return bool(left.data(SORT_ROLE) < right.data(SORT_ROLE))


def _value(row: SummaryRow, column: int) -> str | int | float | dict[str, float]:
    return (row.strategy, row.symbol, row.today_signals, row.today_volume, row.signals, row.buys, row.sells,
            row.rejected, row.volume, row.last_price, row.last_seen)[column]  # fmt: skip


def _display(row: SummaryRow, column: int) -> str:
    value = _value(row, column)
    if isinstance(value, str):
        return safe_text(value, 60)
    if isinstance(value, dict):
        return format_volume(value, SIZE_TYPE_CHARS)
    if column in (Column.LAST_PRICE, Column.LAST_SEEN) and not row.signals:
        return "—"  # only rejected signals so far
    if column == Column.LAST_PRICE:
        return format_price(row.last_price)
    if column == Column.LAST_SEEN:
        return format_time(row.last_seen)
    return f"{value:,}"


class PriceChart(QWidget):
    """Recent prices of one market as a line, buys as green ▲ and sells as red ▼."""

    def __init__(self, trades: TradeTableModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._trades = trades
        self.market: tuple[str, str] | None = None  # (strategy, symbol)
        self.setMinimumHeight(160)
        # Live, but at most 10 redraws a second however fast signals come.
        self._redraw = QTimer(self, singleShot=True, interval=100)
        self._redraw.timeout.connect(self.update)
        trades.rowsInserted.connect(self._schedule_redraw)

    def show_market(self, strategy: str, symbol: str) -> None:
        self.market = (strategy, symbol)
        self.update()

    def _schedule_redraw(self) -> None:
        # Not a restart: under a steady stream a restarted timer would never fire.
        if not self._redraw.isActive():
            self._redraw.start()

    def points(self, limit: int = 300) -> list[TradeRecord]:
        """The market's newest records in the table, oldest first."""
        if self.market is None:
            return []
        strategy, symbol = self.market
        found: list[TradeRecord] = []
        for row in range(self._trades.rowCount()):
            record = self._trades.record_at(row)
            if record.signal.symbol == symbol and record.signal.strategy_name == strategy:
                found.append(record)
                if len(found) == limit:
                    break
        return found[::-1]

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), self.palette().base())
        records = self.points()
        if self.market is None or len(records) < 1:
            painter.setPen(self.palette().placeholderText().color())
            message = "Select a market above to see its prices." if self.market is None else "No trades in the table."
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, message)
            return
        prices = [record.signal.price for record in records]
        low, high = min(prices), max(prices)
        span = (high - low) or abs(high) * 0.01 or 1.0
        margin = 24.0
        width, height = self.width() - 2 * margin, self.height() - 2 * margin

        def point(index: int, price: float) -> QPointF:
            x = margin + (width * index / max(1, len(prices) - 1))
            return QPointF(x, margin + height * (1 - (price - low) / span))

        path = QPainterPath(point(0, prices[0]))
        for index, price in enumerate(prices[1:], start=1):
            path.lineTo(point(index, price))
        painter.setPen(QPen(self.palette().text().color(), 1.5))
        painter.drawPath(path)
        for index, record in enumerate(records):
            centre = point(index, record.signal.price)
            is_buy = record.signal.is_buy
            tip = -7 if is_buy else 7
            triangle = QPolygonF(
                [centre + QPointF(0, tip), centre + QPointF(-5, -tip / 2), centre + QPointF(5, -tip / 2)]
            )
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(_BUY if is_buy else _SELL)
            painter.drawPolygon(triangle)
        painter.setPen(self.palette().text().color())
        strategy, symbol = self.market
        painter.drawText(4, 14, safe_text(f"{symbol} · {strategy} · last {format_price(prices[-1])}", 80))
        painter.drawText(4, self.height() - 4, f"low {format_price(low)} · high {format_price(high)}")


class DashboardWidget(QWidget):
    """Totals table above, chart of the selected row below; with two engines or more, a picker of
    the engine counted ("All engines": the log's kept totals, milliseconds; one engine: counted
    from its trades on the reader's thread, seconds at two million)."""

    def __init__(self, trades: TradeTableModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = SummaryModel(self)
        self.proxy = _SummaryProxy(self)
        self.proxy.setSourceModel(self.model)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(Column.LAST_SEEN, Qt.SortOrder.DescendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        # Not ResizeToContents: it measured every cell (300 calls into the model) on each signal,
        # also on the hidden tab. Columns fit their contents when shown, then at most once a second.
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self._fit_columns = QTimer(self, singleShot=True, interval=1000)
        self._fit_columns.timeout.connect(self.table.resizeColumnsToContents)
        for change in (self.model.dataChanged, self.model.rowsInserted, self.model.modelReset):
            change.connect(self._schedule_fit_columns)
        self._repaints = RepaintThrottle(self.table)
        self.chart = PriceChart(trades)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(self.chart)
        splitter.setSizes([260, 220])
        self._engine_row = self._build_engine_row()
        self._engines_seen: set[str] = set()
        self._generation = 0  # totals asked for an earlier pick are dropped
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._engine_row)
        layout.addWidget(splitter)
        self.table.selectionModel().selectionChanged.connect(self._on_table_selection_changed)
        trades.records_added.connect(self.model.add_records)
        trades.records_added.connect(self._note_engines)
        trades.rowsInserted.connect(self._repaints.changed)
        self.engine_box.currentIndexChanged.connect(self._on_engine_box_current_index_changed)
        self._trades = trades
        self._relay = FutureRelay(self)
        if trades.reader is not None:
            self.load_totals()

    def _build_engine_row(self) -> QWidget:
        self.engine_box = QComboBox()
        self.engine_box.addItem("All engines", None)
        self.engine_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        row = QWidget()
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("Engine"))
        layout.addWidget(self.engine_box)
        layout.addStretch(1)
        row.hide()  # one engine: nothing to pick
        return row

    def set_engines(self, names: Sequence[str]) -> None:
        """The engines to offer (the configured ones); those already offered stay, as the log may hold
        trades of an engine since removed. The picker shows once there are two."""
        for name in names:
            if self.engine_box.findData(name) < 0:
                self.engine_box.addItem(name, name)
        self._engine_row.setVisible(self.engine_box.count() > 2)

    def _note_engines(self, records: Sequence[TradeRecord | RejectedRecord]) -> None:
        """An engine whose trade arrives is offered too (a run with --engine, say)."""
        new = {record.engine for record in records if isinstance(record, TradeRecord)} - self._engines_seen
        if new:
            self._engines_seen |= new
            self.set_engines(sorted(new))

    def _on_engine_box_current_index_changed(self, index: int) -> None:
        self.model.show_engine(self.engine_box.itemData(index))
        if self._trades.reader is not None:
            self.load_totals()
        else:  # no log: count what arrives from now on
            self.model.load_totals(LogTotals([], [], 0, 0), today_starts=start_of_today())

    def load_totals(self) -> None:
        """Ask the reader for the totals of the engine picked: the log's kept totals for every engine
        (milliseconds at any log size), else counted from that engine's trades."""
        assert self._trades.reader is not None
        today = start_of_today()
        engine = self.model.engine
        self._generation += 1
        generation = self._generation
        reader = self._trades.reader
        future = reader.totals(today) if engine is None else reader.engine_totals(today, engine)
        self._relay.when_done(future, lambda done: self._on_totals_read(today, done, generation))

    def _on_totals_read(self, today: float, future: Future[LogTotals], generation: int | None = None) -> None:
        if generation is not None and generation != self._generation:
            return  # read for an earlier pick
        try:
            totals = future.result()
        except Exception as error:  # sqlite3.Error: the log cannot be read; count what arrives from now on
            log.error("the dashboard's totals could not be read from the trade log: %s", error)
            totals = LogTotals([], [], 0, 0)
        self.model.load_totals(totals, today_starts=today)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.table.resizeColumnsToContents()

    def _schedule_fit_columns(self) -> None:
        if self.isVisible() and not self._fit_columns.isActive():
            self._fit_columns.start()

    def _on_table_selection_changed(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if rows:
            market = self.model.summary.rows[self.proxy.mapToSource(rows[0]).row()]
            self.chart.show_market(market.strategy, market.symbol)
