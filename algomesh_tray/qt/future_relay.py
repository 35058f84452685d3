"""One seam between the trade-log reader's threads and Qt: a future's result, handed to the Qt thread."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Qt, Signal

__all__ = ["FutureRelay"]

_T = TypeVar("_T")


class FutureRelay(QObject):
    """Calls back on the Qt thread when a future (finished on another thread) is done.

    Owned by the widget or model that asked: if that is deleted first, the answer is dropped.
    """

    _done = Signal(object, object)  # (callback, future)
    #: (rows, fraction) from an export's thread, for a progress bar.
    progressed = Signal(int, float)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._done.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    def when_done(self, future: Future[_T], callback: Callable[[Future[_T]], None]) -> None:
        future.add_done_callback(lambda done: self._emit(callback, done))

    def report_progress(self, rows: int, fraction: float) -> None:
        """Thread-safe: a queued signal to the Qt thread."""
        with contextlib.suppress(RuntimeError):  # deleted with its owner while an export still runs
            self.progressed.emit(rows, fraction)

    def _emit(self, callback: Callable[[Future[Any]], None], future: Future[Any]) -> None:
        with contextlib.suppress(RuntimeError):
            self._done.emit(callback, future)

    def _deliver(self, callback: Callable[[Future[Any]], None], future: Future[Any]) -> None:
        callback(future)
