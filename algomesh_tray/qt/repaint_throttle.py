"""Repaints of a view that a live feed changes many times a second, at most a few a second.

A new trade goes on top of the table, so every visible row moves and the whole viewport is
repainted: 4-10 ms of a core per repaint on the 2-core machine (~20 rows × 9 columns, each cell
asking the Python model for 7 roles). Qt merges the updates of one event-loop pass only, and at a
steady 20 signals/s each signal arrives in a pass of its own: the open trades window took 26-33 %
of a core (real X display), 4 % with its repaints held to one a second. A lone signal is still
painted at once, and a click, key or wheel turn on the view is answered at once.

Paced does the same for texts (the status bar's counts): a label's new text relays its window
even while repaints are held, so the text itself is set at most a few times a second.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QAbstractScrollArea, QWidget

__all__ = ["Paced", "RepaintThrottle"]

#: What the user does to a view: answered at once, whatever the feed is doing.
_USER_INPUT = frozenset({QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonDblClick, QEvent.Type.KeyPress,
                         QEvent.Type.Wheel})  # fmt: skip


class RepaintThrottle(QObject):
    """Call ``changed`` on each change of ``widget`` (a child widget, such as a view in a window):
    the first is painted at once; those that follow within ``interval_ms`` are painted together
    when it ends (updates are held meanwhile: a view's, on its viewport)."""

    def __init__(self, widget: QWidget, *, interval_ms: int = 1000) -> None:
        super().__init__(widget)
        # A view's rows are drawn on its viewport: holding only that leaves its header, scroll
        # bars and the window around it alone (holding the whole view repainted them all with it).
        self._widget = widget.viewport() if isinstance(widget, QAbstractScrollArea) else widget
        self._held = False
        self._timer = QTimer(self, singleShot=True, interval=interval_ms)
        self._timer.timeout.connect(self._on_timer_timeout)
        widget.installEventFilter(self)
        if isinstance(widget, QAbstractScrollArea):
            widget.viewport().installEventFilter(self)  # where a view's clicks and wheel turns go

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

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if self._held and event.type() in _USER_INPUT:
            self._release()
        return False

    def _on_timer_timeout(self) -> None:
        if self._held:
            self._release()

    def _release(self) -> None:
        self._held = False
        self._widget.setUpdatesEnabled(True)  # repaints the widget, once, with every change
        self._timer.start()  # still streaming? keep the pace


class Paced(QObject):
    """Runs ``apply`` when asked: at once, then at most once per ``interval_ms`` while the asks keep
    coming (once at the end of the interval for all the asks in it).

    For texts a live feed changes with each signal: a label's new text costs a relayout of its
    window even while its repaints are held.
    """

    def __init__(self, apply: Callable[[], None], *, interval_ms: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._apply = apply
        self._asked = False
        self._timer = QTimer(self, singleShot=True, interval=interval_ms)
        self._timer.timeout.connect(self._on_timer_timeout)

    def ask(self) -> None:
        if self._timer.isActive():
            self._asked = True
            return
        self._apply()
        self._timer.start()

    def _on_timer_timeout(self) -> None:
        if self._asked:
            self._asked = False
            self._apply()
            self._timer.start()
