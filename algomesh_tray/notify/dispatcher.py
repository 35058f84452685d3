"""The popup policy above the backends: pause, quiet hours, rules, storms folded into summaries,
and "never late". It lives here once, whatever backend shows the popups. No Qt."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime
from datetime import time as dt_time

from ..feed.records import TradeRecord
from ..util.formatting import format_time, safe_text
from .notification import Notification, Notifier, ReportsLate
from .rules import Rule, outcome_for, quiet_hours_end

__all__ = ["MAX_POPUP_DELAY", "SUMMARY_TAG", "NotificationDispatcher"]

log = logging.getLogger(__name__)

#: A signal's popup that cannot reach the desktop within this many seconds of the signal is
#: folded into the storm summary instead of being shown stale.
MAX_POPUP_DELAY = 2.0
#: Popups sharing a ``replaces`` tag update one popup in place (freedesktop ``replaces_id``).
SUMMARY_TAG = "storm-summary"


class NotificationDispatcher:
    """Decides which records become popups: respects pause, and folds storms into summaries.

    At most ``max_popups`` popups per ``window`` seconds; the rest of that window is shown
    as one summary popup when it ends. The summaries of one storm update one popup in place
    (``SUMMARY_TAG``) and count the whole storm. A popup is never late: each carries a deadline
    ``max_delay`` seconds after its signal arrived, and a backend that could not show it by then
    hands it back (``fold``) to be counted in the summary. Every record still reaches the log and
    the table.
    """

    def __init__(
        self,
        notifier: Notifier,
        *,
        max_popups: int = 5,
        window: float = 1.0,
        max_delay: float = MAX_POPUP_DELAY,
        on_shown: Callable[[Notification], None] = lambda notification: None,
    ) -> None:
        self.notifier = notifier
        self.paused = False
        self.rules: tuple[Rule, ...] = ()
        self.quiet_hours: tuple[dt_time, dt_time] | None = None
        #: Several engines are watched: each popup's title names its engine.
        self.name_engines = False
        self.silenced = 0
        self.shown = 0
        self.summarised = 0
        #: Popups a backend could not show in time, folded into summaries instead.
        self.late = 0
        self.max_popups = max_popups
        self._window = window
        self._max_delay = max_delay
        self._on_shown = on_shown
        self._loop = asyncio.get_running_loop()
        self._window_started = -window
        self._in_window = 0
        self._held: list[TradeRecord] = []
        # The storm the summary popup counts: how many folded since when (wall clock), last summary.
        self._storm_folded = 0
        self._storm_started = 0.0
        self._last_summary_at = -float("inf")
        self._listen_for_late(notifier)

    def dispatch(self, records: Sequence[TradeRecord]) -> None:
        """Notify (or fold into a summary) records that are already in the trade log."""
        if self.paused or quiet_hours_end(self.quiet_hours, datetime.now().astimezone()) is not None:
            return
        if log.isEnabledFor(logging.DEBUG):
            log.debug("notification requested for trade ids %s", [record.id for record in records])
        wall_now, monotonic_now = time.time(), time.monotonic()
        for record in records:
            outcome = outcome_for(record.signal, self.rules)
            if outcome == "silent":
                self.silenced += 1
                continue
            now = self._loop.time()
            if now - self._window_started >= self._window and not self._held:
                self._window_started, self._in_window = now, 0
            if self._in_window < self.max_popups and not self._held:
                self._in_window += 1
                # The signal's age by the wall clock (what the log stamped), kept within [0, max_delay]
                # so that a clock step can neither make every popup late nor grant one more time.
                age = min(max(wall_now - record.received_at, 0.0), self._max_delay)
                deadline = monotonic_now + self._max_delay - age
                self._show(
                    Notification.for_record(
                        record, sound=outcome == "sound", deadline=deadline, name_engine=self.name_engines
                    )
                )
            else:
                self._hold(record)

    def fold(self, notification: Notification) -> None:
        """A popup the backend could not show by its deadline: counted in the next summary instead."""
        if notification.record is None or notification.replaces == SUMMARY_TAG or self.paused:
            return  # summaries and engine alerts have no deadline; a paused trader wants no summary
        self.late += 1
        self._hold(notification.record)

    def _hold(self, record: TradeRecord) -> None:
        if not self._held:
            due = max(self._window_started + self._window, self._loop.time())
            self._loop.call_at(due, self._show_summary)
        self._held.append(record)

    def _show(self, notification: Notification) -> None:
        self.shown += 1
        self.notifier.show(notification)
        self._on_shown(notification)

    def _show_summary(self) -> None:
        held, self._held = self._held, []
        now = self._loop.time()
        self._window_started, self._in_window = now, 1
        if not held or self.paused:
            return
        self.summarised += len(held)
        if now - self._last_summary_at > max(5.0, 3 * self._window):
            self._storm_folded, self._storm_started = 0, time.time()
        self._last_summary_at = now
        self._storm_folded += len(held)
        if len(held) == 1:
            # Not worth a summary; no deadline, or a backend that is behind would hand it back forever.
            self._show(Notification.for_record(held[0], name_engine=self.name_engines))
            return
        by_strategy = Counter(safe_text(record.signal.strategy_name, 40) for record in held)
        shown = ", ".join(f"{name} ×{count}" for name, count in by_strategy.most_common(4))
        if len(by_strategy) > 4:
            shown += ", …"
        if self._storm_folded > len(held):
            shown += f"\n{self._storm_folded:,} folded since {format_time(self._storm_started)}"
        self._show(Notification(f"{len(held)} more signals", shown, held[-1], replaces=SUMMARY_TAG))

    def set_notifier(self, notifier: Notifier) -> None:
        """Switch backend (Settings changed the style); the old one finishes what it has."""
        old, self.notifier = self.notifier, notifier
        self._listen_for_late(notifier)
        old.close()

    def _listen_for_late(self, notifier: Notifier) -> None:
        if isinstance(notifier, ReportsLate):
            notifier.set_on_late(self.fold)
