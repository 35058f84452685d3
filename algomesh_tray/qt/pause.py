"""Pausing notifications: until resumed, or for a while (the tray's "Pause for" choices).

One owner for the state the tray, the menu's check mark and the dispatcher all follow.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QObject, QTimer, Signal

from ..notify.pause import pause_ends

__all__ = ["PauseControl"]

log = logging.getLogger(__name__)


def _now() -> datetime:
    return datetime.now().astimezone()


class PauseControl(QObject):
    """``paused`` and ``until``; ``changed`` is emitted whenever either changes."""

    changed = Signal(bool, object)  # paused, until (datetime | None: until resumed)

    def __init__(
        self, parent: QObject | None = None, *, now: Callable[[], datetime] = _now, check_ms: int = 15_000
    ) -> None:
        super().__init__(parent)
        self._now = now
        self.paused = False
        self.until: datetime | None = None
        # Compares with the wall clock rather than counting down, so a pause ends right after a suspend too.
        self._check = QTimer(self, interval=check_ms)
        self._check.timeout.connect(self._on_check_timeout)

    def set_paused(self, paused: bool) -> None:
        """Pause until resumed, or resume."""
        if paused == self.paused and (paused or self.until is None):
            return
        self.paused = paused
        if not paused:
            self.until = None
            self._check.stop()
        log.info("notifications %s", "paused" if paused else "resumed")
        self.changed.emit(self.paused, self.until)

    def pause_for(self, choice: str) -> None:
        """Pause for one of the PAUSE_CHOICES (15 minutes, an hour, until tomorrow)."""
        self.until = pause_ends(choice, self._now())
        self._check.start()
        self.paused = True
        log.info("notifications paused until %s", self.until.isoformat(timespec="minutes"))
        self.changed.emit(True, self.until)

    def _on_check_timeout(self) -> None:
        if self.until is not None and self._now() >= self.until:
            self.set_paused(False)
