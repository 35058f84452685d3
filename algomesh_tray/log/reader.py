"""Reads of the trade log for windows and the dashboard, on a thread and connections of their own.

Nothing a window does may delay a signal: the pipeline's writer thread only writes, and these
reads never run there. In WAL mode a reader sees the last commit and never makes the writer wait
(nor waits for it). No Qt: each call returns a concurrent.futures.Future (the Qt side relays its
result to the Qt thread), or can be awaited on an asyncio loop.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from ..feed.records import TradeRecord
from ..util.tasks import in_own_thread
from .query import Key, TradeQuery, iter_rows, select_page
from .read_only import connect_read_only, has_no_tables
from .totals import LogTotals, engine_totals, read_totals
from .tradelog import engine_column

__all__ = ["ExportCancelled", "TradeLogReader"]

log = logging.getLogger(__name__)
_T = TypeVar("_T")

#: Rows written between two progress reports (and two looks at the cancel flag).
EXPORT_STEP = 5_000


class ExportCancelled(Exception):
    """The user cancelled an export; the partial file was removed."""


class TradeLogReader:
    """Read-only access to the log at ``path``: totals, pages of a query, exports.

    One thread for the window's reads (in order, so a page never overtakes the reset before it),
    and a thread per export, each with its own connection, so a long export never holds up a page.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="trade-log-reader")
        self._db: sqlite3.Connection | None = None  # opened, used and closed on the reader thread

    def submit(self, function: Callable[[sqlite3.Connection], _T]) -> Future[_T]:
        """Run ``function(connection)`` on the reader thread."""
        return self._executor.submit(self._call, function)

    def _call(self, function: Callable[[sqlite3.Connection], _T]) -> _T:
        if self._db is None:
            self._db = connect_read_only(self.path)
        try:
            return function(self._db)
        except sqlite3.DatabaseError:
            # The log may have been moved aside and a new one started: open afresh next time.
            self._db.close()
            self._db = None
            raise

    def totals(self, today_starts: float) -> Future[LogTotals]:
        """The dashboard's totals (from the kept aggregates: milliseconds at any log size)."""
        return self.submit(lambda db: _totals(db, today_starts))

    def engine_totals(self, today_starts: float, engine: str) -> Future[LogTotals]:
        """One engine's totals, counted from its trades (a scan: seconds at two million)."""
        return self.submit(lambda db: _engine_totals(db, today_starts, engine))

    def page(self, query: TradeQuery, *, after: Key | None, limit: int) -> Future[list[TradeRecord]]:
        """Up to ``limit`` trades matching ``query`` past ``after`` (None: from the start), in the
        query's order (newest first unless it says oldest first)."""
        return self.submit(lambda db: _page(db, query, after, limit))

    async def read_totals(self, today_starts: float) -> LogTotals:
        return await asyncio.wrap_future(self.totals(today_starts))

    async def read_page(self, query: TradeQuery, *, after: Key | None, limit: int) -> list[TradeRecord]:
        return await asyncio.wrap_future(self.page(query, after=after, limit=limit))

    def export_csv(
        self,
        query: TradeQuery,
        path: Path,
        *,
        on_progress: Callable[[int, float], None] = lambda rows, fraction: None,
        cancel: threading.Event | None = None,
    ) -> Future[int]:
        """Write every trade matching ``query`` to ``path`` as CSV, in the query's order (newest first
        unless it says oldest first), streamed (constant memory), on a thread of its own; the future
        gives the number of trades written.

        ``on_progress(rows, fraction)`` is called from that thread every EXPORT_STEP rows (fraction:
        how far through the query's time span, in its order). Setting ``cancel`` stops it, removes the partial
        file and fails the future with ExportCancelled. The file is created as the user's umask
        says: an export goes where the user chose, with the permissions they chose.
        """
        return in_own_thread(
            partial(_export, self.path, query, path, on_progress, cancel or threading.Event()), name="trade-log-export"
        )

    def close(self) -> None:
        """Finish the reads under way, then close the connection."""
        self._executor.submit(self._close)
        self._executor.shutdown(wait=True)

    def _close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


def _totals(db: sqlite3.Connection, today_starts: float) -> LogTotals:
    try:
        return read_totals(db, today_starts)
    except sqlite3.OperationalError:
        if has_no_tables(db):
            return LogTotals([], [], 0, 0)
        raise


def _engine_totals(db: sqlite3.Connection, today_starts: float, engine: str) -> LogTotals:
    try:
        return engine_totals(db, today_starts, engine, engine_column(db))
    except sqlite3.OperationalError:
        if has_no_tables(db):
            return LogTotals([], [], 0, 0)
        raise


def _page(db: sqlite3.Connection, query: TradeQuery, after: Key | None, limit: int) -> list[TradeRecord]:
    try:
        return select_page(db, query, after=after, limit=limit)
    except sqlite3.OperationalError:
        if has_no_tables(db):
            return []
        raise


def _export(
    log_path: Path,
    query: TradeQuery,
    path: Path,
    on_progress: Callable[[int, float], None],
    cancel: threading.Event,
) -> int:
    from .export import EXPORT_COLUMNS, write_csv_rows  # csv and json: not before the first export

    db = connect_read_only(log_path)
    try:
        db.execute("BEGIN")  # one snapshot: what the log held when the export started
        newest, oldest = _time_span(db, query)
        span = max(newest - oldest, 1e-9)
        written = 0

        def rows_with_progress() -> Iterator[Sequence[Any]]:
            nonlocal written
            for row in iter_rows(db, query, columns=EXPORT_COLUMNS):
                yield row
                written += 1
                if written % 1000 == 0:
                    time.sleep(0)  # hand the GIL to the Qt thread now, not at the interpreter's next switch
                if written % EXPORT_STEP == 0:
                    if cancel.is_set():
                        raise ExportCancelled
                    done = row[1] - oldest if query.oldest_first else newest - row[1]
                    on_progress(written, min(1.0, max(0.0, done / span)))

        try:
            with open(path, "w", encoding="utf-8", newline="") as stream:
                count = write_csv_rows(rows_with_progress(), stream)
        except ExportCancelled:
            path.unlink(missing_ok=True)
            raise
        on_progress(count, 1.0)
        return count
    finally:
        db.close()


def _time_span(db: sqlite3.Connection, query: TradeQuery) -> tuple[float, float]:
    """The newest and oldest times the query can reach, each read off the time index at once."""
    (newest,) = db.execute("SELECT max(received_at) FROM trades").fetchone()
    (oldest,) = db.execute("SELECT min(received_at) FROM trades").fetchone()
    newest, oldest = newest or 0.0, oldest or 0.0
    if query.until is not None:
        newest = min(newest, query.until)
    if query.since is not None:
        oldest = max(oldest, query.since)
    return float(newest), float(oldest)
