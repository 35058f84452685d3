"""The one seam between the asyncio core and Qt: the listener's and the pipeline's callbacks
become Qt signals here, and models, windows and the tray subscribe to those."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from ..feed.protocol import RejectedSignal
from ..feed.records import RejectedRecord, TradeRecord
from ..feed.status import ListenerStatus

__all__ = ["FeedSignals"]


class FeedSignals(QObject):
    """Pass the ``on_*`` methods to the listener and the pipeline; connect to the signals."""

    status_changed = Signal(object)  # ListenerStatus
    frame_rejected = Signal(str, object)  # reason, RejectedSignal | None (None: no market named)
    # Lists go as ``object``: a ``list`` signal converts every element for every slot (4 µs each).
    trades_recorded = Signal(object)  # list[TradeRecord], in the trade log (or kept in memory) already
    rejected_recorded = Signal(object)  # list[RejectedRecord]
    log_failed = Signal(str)  # what went wrong with the trade log, in words

    def on_status(self, status: ListenerStatus) -> None:
        self.status_changed.emit(status)

    def on_rejected(self, reason: str, signal: RejectedSignal | None) -> None:
        self.frame_rejected.emit(reason, signal)

    def on_recorded(self, records: list[TradeRecord]) -> None:
        self.trades_recorded.emit(records)

    def on_rejected_recorded(self, records: list[RejectedRecord]) -> None:
        self.rejected_recorded.emit(records)

    def on_log_error(self, message: str) -> None:
        self.log_failed.emit(message)
