"""The trades table: a Qt model over the trade log, newest first, and its filter.

Given a TradeLogReader, the model shows the whole log: older trades are fetched a page at a time
as the view scrolls (canFetchMore/fetchMore), and a query (filter words, a date range) is asked
of the log itself, on the reader's thread; live trades that match are added on top meanwhile.
Sorting by time oldest first asks the log too: the first page is then the oldest trades, pages
go forward in time, and a live trade waits at the end until paging reaches it.
Without a reader it holds the recent trades it is given, filtered by the proxy.

Feed text is only ever returned as display text (drawn as plain text by the view) or,
for tooltips that Qt may read as rich text, HTML-escaped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import replace
from functools import cache, partial
from typing import TYPE_CHECKING, Any, Final

from PySide6 import QtCore
from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFont

from ...feed.records import TradeRecord
from ...log.query import Key, TradeQuery, filter_query
from ...util.formatting import escape_markup, format_price, format_size, format_time, safe_text
from ..future_relay import FutureRelay
from ..repaint_throttle import Paced

if TYPE_CHECKING:
    from ...log.reader import TradeLogReader

__all__ = [
    "ALIGNMENT_ROLE",
    "BOLD_COLUMN",
    "DISPLAY_ROLE",
    "FONT_ROLE",
    "FOREGROUND_ROLE",
    "LIVE_ROWS_INTERVAL_MS",
    "RECORD_ROLE",
    "RIGHT_ALIGNED_COLUMNS",
    "SIZE_TYPE_CHARS",
    "SORT_ROLE",
    "TOOLTIP_ROLE",
    "Column",
    "TradeFilterProxy",
    "TradeSortProxy",
    "TradeTableModel",
    "cell_colour",
    "display_text",
    "plain_tooltip",
    "raw_value",
]

# Qt's numbers, which Qt never changes (tests/ui/trades/test_trade_model.py checks them), for the
# idle app, which holds this model: naming ``Qt`` at import (or in anything the idle app runs) makes
# PySide build its whole ``Qt`` namespace, 93 enum classes (1.9 MB). Methods only a view calls use
# ``QtCore.Qt``.
DISPLAY_ROLE: Final = 0  # Qt.ItemDataRole.DisplayRole, and so on
TOOLTIP_ROLE: Final = 3
FONT_ROLE: Final = 6
ALIGNMENT_ROLE: Final = 7
FOREGROUND_ROLE: Final = 9
SORT_ROLE: Final = 257  # Qt.ItemDataRole.UserRole + 1
RECORD_ROLE: Final = 258  # Qt.ItemDataRole.UserRole + 2
_RIGHT: Final = 0x82  # int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

#: Longest text shown in a cell; the tooltip holds more.
CELL_CHARS: Final = 80
TOOLTIP_CHARS: Final = 1000
#: Longest size type shown beside an amount ("percent", ...).
SIZE_TYPE_CHARS: Final = 20

_BUY_COLOUR: Final = "#15803d"
_SELL_COLOUR: Final = "#b91c1c"

_Index = QModelIndex | QPersistentModelIndex
log = logging.getLogger(__name__)

#: The least time between two insertions of live trades in the app's table: the pace it repaints at.
LIVE_ROWS_INTERVAL_MS: Final = 1000
#: Live trades that go in without waiting for the interval to end (a flood of thousands a second).
LIVE_BATCH_MAX: Final = 500
#: Trades per page read from the log: small first (the window shows at once), larger as the user
#: scrolls on (fewer round trips to the oldest).
FIRST_PAGE: Final = 500
MAX_PAGE: Final = 5_000  # each page goes into the view on the Qt thread: keep it short


class Column:
    """Column numbers and headers, in display order."""

    TIME, ENGINE, STRATEGY, SYMBOL, ACTION, AMOUNT, PRICE, ORDER_TYPE, TRADE_TYPE, STATUS = range(10)
    HEADERS: Final = ("Time", "Engine", "Strategy", "Symbol", "Action", "Amount", "Price", "Order", "Trade", "Status")


#: How the table sets cells apart (the model's roles and TradeCellDelegate both follow these).
BOLD_COLUMN: Final = Column.ACTION
RIGHT_ALIGNED_COLUMNS: Final = frozenset({Column.AMOUNT, Column.PRICE})


def plain_tooltip(text: str) -> str:
    """``text`` as a tooltip shows it: Qt reads tooltips as rich text when they look like HTML, so
    escape it and say so."""
    return f"<p style='white-space:pre-wrap'>{escape_markup(text, quote=True)}</p>"


def raw_value(record: TradeRecord, column: int) -> Any:
    """The value a column sorts by (numbers as numbers)."""
    signal = record.signal
    return (
        record.received_at,
        record.engine,
        signal.strategy_name,
        signal.symbol,
        signal.action,
        signal.amount,
        signal.price,
        signal.order_type,
        signal.trade_type,
        signal.status,
    )[column]


def display_text(record: TradeRecord, column: int) -> str:
    signal = record.signal
    if column == Column.TIME:
        return format_time(record.received_at)
    if column == Column.ACTION:
        return ("▲ " if signal.is_buy else "▼ " if signal.action == "SELL" else "") + signal.action
    if column == Column.AMOUNT:
        return format_size(signal.amount, signal.size_type, SIZE_TYPE_CHARS)
    if column == Column.PRICE:
        return format_price(signal.price)
    return safe_text(str(raw_value(record, column)), CELL_CHARS)


def _tooltip(record: TradeRecord, column: int) -> str:
    return plain_tooltip(safe_text(str(raw_value(record, column)), TOOLTIP_CHARS))


def cell_colour(record: TradeRecord, column: int) -> QBrush | None:
    action = record.signal.action
    if column != Column.ACTION or action not in ("BUY", "SELL"):
        return None
    return _brush(_BUY_COLOUR if action == "BUY" else _SELL_COLOUR)


@cache
def _brush(colour: str) -> QBrush:
    """Made on first use (a view's): QBrush's constructor names Qt.BrushStyle (see SORT_ROLE)."""
    return QBrush(QColor(colour))


@cache
def _bold() -> QFont:
    """Made on first use: a QFont needs the QApplication."""
    font = QFont()
    font.setBold(True)
    return font


def _weight(record: TradeRecord, column: int) -> QFont | None:
    return _bold() if column == BOLD_COLUMN else None


def _alignment(record: TradeRecord, column: int) -> int | None:
    return _RIGHT if column in RIGHT_ALIGNED_COLUMNS else None


#: What the model answers, by role: text, sort key and record; the action's colour and weight,
#: numbers aligned right. Tooltips are escaped: Qt may read them as rich text.
_ANSWERS: Final[dict[int, Callable[[TradeRecord, int], Any]]] = {
    DISPLAY_ROLE: display_text,
    SORT_ROLE: raw_value,
    RECORD_ROLE: lambda record, column: record,
    TOOLTIP_ROLE: _tooltip,
    FOREGROUND_ROLE: cell_colour,
    FONT_ROLE: _weight,
    ALIGNMENT_ROLE: _alignment,
}


class TradeTableModel(QAbstractTableModel):
    """Records in the query's order, newest first unless the table is sorted by time oldest first:
    the order the window shows without sorting anything.

    Without a reader it holds at most ``max_rows`` records. With one, older trades come from the
    log on demand; live trades push the oldest out beyond ``max_rows`` plus what the user fetched
    (they can be fetched again), so memory follows what the user looked at, not the log's size.
    Oldest first, pages come forward in time and live trades are added at the end only once
    every page is in (at most ``max_rows`` of them beyond what was fetched); else paging brings them.
    """

    #: New live records (oldest first), every one, shown or not by the query, as they go in: for
    #: the dashboard.
    records_added = Signal(list)
    #: The first page of the current query arrived (or the query found nothing).
    query_loaded = Signal()
    #: A page arrived: (rows added).
    page_loaded = Signal(int)
    #: The log could not be read: a message for the status bar.
    fetch_failed = Signal(str)
    #: Oldest first, with every page in: live trades beyond the tail were left to the log, so there
    #: is more to fetch at the end although no row changed (a view at its end would not ask again).
    more_to_fetch = Signal()

    def __init__(
        self, *, max_rows: int = 10_000, reader: TradeLogReader | None = None, live_interval_ms: int = 0,
        parent: QObject | None = None,
    ) -> None:  # fmt: skip
        super().__init__(parent)
        self.max_rows = max_rows
        self.reader = reader
        self.query = TradeQuery()
        # Live records go in at once, or with an interval the first at once and the next together
        # when it ends: each insertion costs the views of a full table (the view, its sort proxy)
        # about 0.3 ms however many rows it brings, 20 times a second under a steady feed.
        self._live: list[TradeRecord] = []
        self._live_pace = Paced(self._add_live, interval_ms=live_interval_ms, parent=self) if live_interval_ms else None
        self._records: list[TradeRecord] = []
        self._search_texts: list[str | None] = []
        self._relay = FutureRelay(self)
        self._exhausted = reader is None  # nothing more to fetch (older, or newer when oldest first)
        self._fetching = False
        self._generation = 0  # a page asked for an earlier query is dropped
        self._live_missed = False  # oldest first: a live trade was left for a page that is on its way
        self._capacity = max_rows
        self._page_size = FIRST_PAGE

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self._records)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(Column.HEADERS)

    def headerData(self, section: int, orientation: QtCore.Qt.Orientation, role: int = DISPLAY_ROLE) -> Any:
        if orientation == QtCore.Qt.Orientation.Horizontal and role == DISPLAY_ROLE:
            return Column.HEADERS[section]
        return None

    def data(self, index: _Index, role: int = DISPLAY_ROLE) -> Any:
        # Called for every role of every visible cell at each repaint: one lookup answers the
        # roles the table leaves empty (most of them), before anything else is asked of Qt.
        answer = _ANSWERS.get(role)
        if answer is None or not index.isValid():
            return None
        row = index.row()
        if not 0 <= row < len(self._records):
            return None
        return answer(self._records[row], index.column())

    def record_at(self, row: int) -> TradeRecord:
        return self._records[row]

    def search_text(self, row: int) -> str:
        """Every column's text in lower case, computed on first use, for the filter box."""
        text = self._search_texts[row]
        if text is None:
            record = self._records[row]
            text = " ".join(display_text(record, column) for column in range(len(Column.HEADERS))).lower()
            self._search_texts[row] = text
        return text

    def row_of(self, record: TradeRecord) -> int | None:
        """The row showing ``record`` (by log id, or the very object if it was never saved); live
        records still waiting for the interval go in first."""
        self._add_live()
        for row, candidate in enumerate(self._records):
            if candidate is record or (record.id is not None and candidate.id == record.id):
                return row
        return None

    def add_records(self, records: Sequence[TradeRecord]) -> None:
        """New records (given oldest first): told (records_added) and put at the top, at once or
        paced (``live_interval_ms``), dropping the oldest beyond the capacity; with a query set,
        only those it matches. Oldest first, they belong at the end instead."""
        if not records:
            return
        self._live.extend(records)
        if self._live_pace is None or len(self._live) >= LIVE_BATCH_MAX:
            self._add_live()  # a flood goes in a batch at a time: a second of it would be held whole
        else:
            self._live_pace.ask()

    def _add_live(self) -> None:
        records, self._live = self._live, []
        if not records:
            return
        self.records_added.emit(records)
        if not self.query.is_everything:
            records = [record for record in records if self.query.matches(record)]
        if self.query.oldest_first:
            self._append_live(records)
            return
        newest_first = list(reversed(records))[: self._capacity]
        if not newest_first:
            return
        overflow = len(self._records) + len(newest_first) - self._capacity
        if overflow > 0:
            keep = len(self._records) - overflow
            self.beginRemoveRows(QModelIndex(), keep, len(self._records) - 1)
            del self._records[keep:]
            del self._search_texts[keep:]
            self.endRemoveRows()
            self._exhausted = self.reader is None  # what was dropped is still in the log
        self.beginInsertRows(QModelIndex(), 0, len(newest_first) - 1)
        self._records[:0] = newest_first
        self._search_texts[:0] = [None] * len(newest_first)
        self.endInsertRows()

    def _append_live(self, records: Sequence[TradeRecord]) -> None:
        """Oldest first: new trades go at the end, but only when every older one is shown, and up to
        ``max_rows`` beyond what the user paged to (the oldest rows, at the top, cannot be let go);
        otherwise they are left to the log, and paging brings them (never on top)."""
        if not records:
            return
        if self._exhausted and len(self._records) + len(records) <= self._capacity + self.max_rows:
            start = len(self._records)
            self.beginInsertRows(QModelIndex(), start, start + len(records) - 1)
            self._records.extend(records)
            self._search_texts.extend([None] * len(records))
            self.endInsertRows()
            return
        self._live_missed = True  # a page read before they were written must not end the paging
        was_exhausted, self._exhausted = self._exhausted, self.reader is None
        if was_exhausted and not self._exhausted:
            self.more_to_fetch.emit()

    def add_history(self, records: Sequence[TradeRecord]) -> None:
        """Put records read from the log (given newest first) below the live ones, skipping those
        already shown: a signal may arrive both live and in a history read made just after."""
        self._add_live()
        live_ids = [record.id for record in self._records if record.id is not None]
        oldest_live = min(live_ids, default=None)
        older = [record for record in records if oldest_live is None or (record.id or 0) < oldest_live]
        older = older[: self.max_rows - len(self._records)]
        if not older:
            return
        first = len(self._records)
        self.beginInsertRows(QModelIndex(), first, first + len(older) - 1)
        self._records.extend(older)
        self._search_texts.extend([None] * len(older))
        self.endInsertRows()

    # -- the whole log, through the reader ------------------------------------------------------

    @property
    def fetching(self) -> bool:
        return self._fetching

    def canFetchMore(self, parent: _Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and not self._exhausted

    def fetchMore(self, parent: _Index = QModelIndex()) -> None:  # noqa: B008
        """Ask the reader for the next page (older; newer when oldest first); it is added when it
        arrives (never blocks)."""
        if parent.isValid() or self._exhausted or self._fetching or self.reader is None:
            return
        self._fetching = True
        self._live_missed = False  # this read sees every trade written until now
        limit = self._page_size
        future = self.reader.page(self.query, after=self._last_key(), limit=limit)
        self._relay.when_done(future, partial(self._on_page, self._generation, limit))

    def attach_reader(self, reader: TradeLogReader) -> None:
        """Read the log through ``reader`` from now on (the model may be made before the log is
        opened); rows already held stay, older ones are fetched below them. Before any window
        is built on the model (a window picks its filter and export from whether there is one)."""
        self.reader = reader
        self._exhausted = False

    @property
    def oldest_first(self) -> bool:
        return self.query.oldest_first

    def set_oldest_first(self, oldest_first: bool) -> None:
        """Read the log oldest first (or newest first again): the table starts again from the first
        match in that order, with the same filter. Without a reader there is no log to ask."""
        if self.reader is not None and oldest_first != self.query.oldest_first:
            self._restart(replace(self.query, oldest_first=oldest_first))

    def set_query(self, query: TradeQuery) -> None:
        """Show what ``query`` selects, in the table's current order (set_oldest_first changes it):
        the table starts again from the first match in that order."""
        query = replace(query, oldest_first=self.query.oldest_first)
        if query == self.query and self.reader is not None:
            return
        self._restart(query)

    def _restart(self, query: TradeQuery) -> None:
        """Let every row go and read ``query``'s first page; pages of the query before are dropped."""
        self._generation += 1
        self.beginResetModel()
        self.query = query
        if self._live:  # the log holds them: the new query reads them; the dashboard is told now
            self.records_added.emit(self._live)
        self._records, self._search_texts, self._live = [], [], []
        self._exhausted = self.reader is None
        self._fetching = False
        self._capacity = self.max_rows
        self._page_size = FIRST_PAGE
        self.endResetModel()
        self.fetchMore()

    def _last_key(self) -> Key | None:
        """Where the rows read from the log end: the next page starts past it."""
        for record in reversed(self._records):
            if record.id is not None:
                return (record.received_at, record.id)
        return None

    def _on_page(self, generation: int, limit: int, future: Future[list[TradeRecord]]) -> None:
        if generation != self._generation:
            return  # an earlier query's page
        self._add_live()  # as if they had gone in when they arrived: the page is read after them
        first = not any(record.id is not None for record in self._records)
        try:
            page = future.result()
        except Exception as error:  # sqlite3.Error, OSError: the log is gone, locked, damaged
            log.error("the trade log could not be read: %s", error)
            self._exhausted = True
            self._fetching = False
            self.fetch_failed.emit(f"Older trades could not be read from the trade log ({error}).")
            if first:
                self.query_loaded.emit()
            return
        self._exhausted = len(page) < limit and not self._live_missed
        self._page_size = min(MAX_PAGE, self._page_size * 2)
        if first:  # signals that arrived live while the first page was read may be in it
            shown = {record.id for record in self._records}
            page = [record for record in page if record.id not in shown]
        if page:
            start = len(self._records)
            self.beginInsertRows(QModelIndex(), start, start + len(page) - 1)
            self._records.extend(page)
            self._search_texts.extend([None] * len(page))
            self.endInsertRows()
            self._capacity = max(self._capacity, len(self._records))
        # Only now: a view may ask for more while the rows go in, and must ask below them.
        self._fetching = False
        self.page_loaded.emit(len(page))
        if first:
            self.query_loaded.emit()


class TradeSortProxy(QSortFilterProxyModel):
    """Sorts by raw values; keeps every row (the log itself answers the filter box).

    Newest first is the source model's own order, so that sort costs nothing: a proxy sort
    calls back into Python for every comparison, which a burst of signals cannot afford. No
    Python filterAcceptsRow either: a page of thousands of rows would call it for each.
    With a reader, time oldest first is asked of the log too (sorting the rows loaded would show
    the oldest of those, not the log's first trade); other columns sort the rows loaded.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self.setDynamicSortFilter(True)

    def sort(self, column: int, order: QtCore.Qt.SortOrder | None = None) -> None:
        """``order``: ascending if not given, as Qt's own default (not named here: see SORT_ROLE)."""
        ascending = QtCore.Qt.SortOrder.AscendingOrder
        order = ascending if order is None else order
        model = self.sourceModel()
        if column == Column.TIME and isinstance(model, TradeTableModel) and model.reader is not None:
            model.set_oldest_first(order == ascending)
            column, order = -1, ascending  # the log's order, as the model reads it
        elif column == Column.TIME and order != ascending:
            column, order = -1, ascending  # the source order, as it is
        super().sort(column, order)


class TradeFilterProxy(TradeSortProxy):
    """TradeSortProxy that also keeps rows containing every word typed in the filter box, and of the
    engine its ``engine:NAME`` names (as the log's query does), for a model without a reader (the
    records it holds are all there is to filter)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._terms: list[str] = []
        self._engine = TradeQuery()

    def set_filter_text(self, text: str) -> None:
        self.beginFilterChange()
        query = filter_query(text)
        self._terms = query.text.lower().split()
        self._engine = TradeQuery(engine=query.engine)
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: _Index) -> bool:
        if not self._terms and self._engine.engine is None:
            return True
        model = self.sourceModel()
        assert isinstance(model, TradeTableModel)
        if not self._engine.matches(model.record_at(source_row)):
            return False
        text = model.search_text(source_row)
        return all(term in text for term in self._terms)
