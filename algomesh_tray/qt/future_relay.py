"""One seam between the trade-log reader's threads and Qt: a future's result, handed to the Qt thread."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Signal

__all__ = ["FutureRelay"]

_T = TypeVar("_T")


class _Done(QEvent):
    """A finished future and whom to call with it, posted to the relay's thread."""

    TYPE = QEvent.Type(QEvent.registerEventType())

    def __init__(self, callback: Callable[[Future[Any]], None], future: Future[Any]) -> None:
        super().__init__(self.TYPE)
        self.callback = callback
        self.future = future


class FutureRelay(QObject):
    """Calls back on the Qt thread when a future (finished on another thread) is done.

    Always later, never from within ``when_done`` (even for a future already done): each answer is
    an event posted to the relay, which Qt delivers on the relay's thread and drops if the relay
    (owned by the widget or model that asked) is deleted first. An event, not a queued signal
    connection: naming ``Qt.ConnectionType`` would build PySide's whole ``Qt`` namespace (1.9 MB),
    which the idle app otherwise never needs.
    """

    #: (rows, fraction) from an export's thread, for a progress bar.
    progressed = Signal(int, float)

    def when_done(self, future: Future[_T], callback: Callable[[Future[_T]], None]) -> None:
        future.add_done_callback(lambda done: self._post(callback, done))

    def report_progress(self, rows: int, fraction: float) -> None:
        """Thread-safe: a queued signal to the Qt thread."""
        with contextlib.suppress(RuntimeError):  # deleted with its owner while an export still runs
            self.progressed.emit(rows, fraction)

    def _post(self, callback: Callable[[Future[Any]], None], future: Future[Any]) -> None:
        """Thread-safe (QCoreApplication.postEvent is)."""
        with contextlib.suppress(RuntimeError):  # deleted with its owner: the answer is dropped
            QCoreApplication.postEvent(self, _Done(callback, future))

    def customEvent(self, event: QEvent) -> None:
        if isinstance(event, _Done):
            event.callback(event.future)
