"""Repaints of a view that a live feed changes many times a second, at most a few a second.

A new trade goes on top of the table, so every visible row moves and the whole viewport is
repainted: 4-10 ms of a core per repaint on the 2-core machine (~20 rows × 9 columns, each cell
asking the Python model for 7 roles). Qt merges the updates of one event-loop pass only, and at a
steady 20 signals/s each signal arrives in a pass of its own: the open trades window took 30 % of
a core, 5 % with repaints held to two a second. A lone signal is still painted at once.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QWidget

__all__ = ["RepaintThrottle"]


class RepaintThrottle(QObject):
    """Call ``changed`` on each change of ``widget`` (a child widget, such as a view in a window):
    the first is painted at once; those that follow within ``interval_ms`` are painted together
    when it ends (updates are held meanwhile)."""

    def __init__(self, widget: QWidget, *, interval_ms: int = 500) -> None:
        super().__init__(widget)
        self._widget = widget
        self._held = False
        self._timer = QTimer(self, singleShot=True, interval=interval_ms)
        self._timer.timeout.connect(self._on_timer_timeout)

    @property
    def holding(self) -> bool:
        """Whether updates of the widget are held until the interval ends."""
        return self._held

    def changed(self) -> None:
        if not self._timer.isActive():
            self._timer.start()  # this change paints as usual; the next ones wait for the timer
        elif not self._held:
            self._held = True
            self._widget.setUpdatesEnabled(False)

    def _on_timer_timeout(self) -> None:
        if self._held:
            self._held = False
            self._widget.setUpdatesEnabled(True)  # repaints the widget, once, with every change
            self._timer.start()  # still streaming? keep the pace
