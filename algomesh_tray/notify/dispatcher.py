"""Notifications: one interface, a native backend (plyer), and the policy above the backends.

The policy (pause, storm control, "never late") lives in NotificationDispatcher, once, whatever
backend shows the popups. The Qt tray-message backend is in qt/tray.py and the freedesktop one in
desktop_notify.py; both fit the same Protocol. No Qt here.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
import time
import warnings
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from datetime import time as dt_time
from typing import Literal, Protocol, cast, runtime_checkable

from ..feed.records import TradeRecord
from ..util.formatting import escape_markup, format_time, notification_body, notification_title, safe_text
from .rules import Rule, outcome_for, quiet_hours_end

__all__ = [
    "MAX_POPUP_DELAY",
    "PAUSE_CHOICES",
    "SUMMARY_TAG",
    "Notification",
    "NotificationDispatcher",
    "Notifier",
    "PlyerNotifier",
    "ReportsLate",
    "Urgency",
    "pause_ends",
]

#: The tray menu's "Pause for" choices: label and how long.
PAUSE_CHOICES = {"15m": "15 minutes", "1h": "1 hour", "tomorrow": "Until tomorrow"}


def pause_ends(choice: str, now: datetime) -> datetime:
    """When a pause chosen now ends: in 15 minutes, in an hour, or at the start of tomorrow."""
    if choice == "15m":
        return now + timedelta(minutes=15)
    if choice == "1h":
        return now + timedelta(hours=1)
    if choice == "tomorrow":
        return datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), tzinfo=now.tzinfo)
    raise ValueError(f"unknown pause choice {choice!r}")


log = logging.getLogger(__name__)

#: A signal's popup that cannot reach the desktop within this many seconds of the signal is
#: folded into the storm summary instead of being shown stale.
MAX_POPUP_DELAY = 2.0
#: Popups sharing a ``replaces`` tag update one popup in place (freedesktop ``replaces_id``).
SUMMARY_TAG = "storm-summary"

Urgency = Literal["low", "normal", "critical"]


@dataclass(frozen=True, slots=True)
class Notification:
    """What a popup says, in plain text, and the trade it opens when clicked (if any).

    ``urgency``, ``category`` (freedesktop names, e.g. ``network.disconnected``) and ``replaces``
    are for backends that can use them; others ignore them. ``deadline`` (``time.monotonic()``)
    is when the popup becomes stale; None: never (summaries, engine alerts). ``offer_pause``: the
    popup may carry a "Pause 1 hour" button (not on engine alerts, which pause does not hold back).
    """

    title: str
    body: str
    record: TradeRecord | None = None
    sound: bool = False
    urgency: Urgency = "normal"
    category: str = ""
    replaces: str = ""
    offer_pause: bool = True
    deadline: float | None = field(default=None, compare=False)

    @classmethod
    def for_record(cls, record: TradeRecord, *, sound: bool = False, deadline: float | None = None) -> Notification:
        return cls(
            notification_title(record.signal), notification_body(record.signal), record, sound, deadline=deadline
        )

    def is_late(self, now: float) -> bool:
        """Whether showing it at ``now`` (``time.monotonic()``) would be showing it stale."""
        return self.deadline is not None and now > self.deadline


class Notifier(Protocol):
    """A way to show a popup; ``show`` must return at once (never block the Qt thread)."""

    def show(self, notification: Notification) -> None: ...

    def close(self) -> None: ...


@runtime_checkable
class ReportsLate(Protocol):
    """A backend with a queue of its own hands back the popups it could not show by their deadline."""

    def set_on_late(self, on_late: Callable[[Notification], None]) -> None: ...


class PlyerNotifier:
    """The desktop's own notifications through plyer, called on a worker thread.

    plyer blocks (on Linux it may run ``notify-send``, 15-30 ms a call), so calls queue on one
    thread, in order. plyer cannot report clicks; the tray style can. A popup plyer could not show
    goes to ``on_failed`` with the reason, on the event loop, so the app can show it another way.

    Windows: plyer runs each balloon (which stays up for its timeout) in a thread of its own, where
    an error such as "Could not load icon" reaches only stderr, which the windowed exe lacks. So
    this runs plyer's balloon itself, one thread per popup, and reports its errors the same way.
    ``balloon`` stands in for plyer's ``balloon_tip`` (tests pass a double that fails as it does).
    """

    def __init__(
        self,
        *,
        app_name: str,
        app_icon: str = "",
        on_failed: Callable[[str, Notification], None] = lambda reason, notification: None,
        balloon: Callable[..., None] | None = None,
    ) -> None:
        self._app_name = app_name
        self._app_icon = app_icon
        self._on_failed = on_failed
        self._loop = asyncio.get_running_loop()
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="plyer-notify")
        self._failed = False
        self._balloon = balloon if balloon is not None or sys.platform != "win32" else _plyer_balloon()

    def show(self, notification: Notification) -> None:
        if self._balloon is not None:  # blocks for the popup's life: a thread each, as plyer does
            threading.Thread(target=self._send, args=(notification,), name="plyer-balloon", daemon=True).start()
        else:
            self._worker.submit(self._send, notification)

    def close(self) -> None:
        """Stop taking popups; queued ones still go out (the interpreter waits for them at exit)."""
        self._worker.shutdown(wait=False, cancel_futures=False)

    def _send(self, notification: Notification) -> None:
        # Daemons read the body as markup (dunst does); the summary is plain text by spec.
        fields = {"title": notification.title, "message": escape_markup(notification.body)}
        try:
            if self._balloon is not None:
                self._balloon(**fields, app_name=self._app_name, app_icon=self._app_icon, timeout=10)
            else:
                with warnings.catch_warnings():
                    # plyer warns on each use without dbus-python, then runs notify-send: that is fine.
                    warnings.filterwarnings("ignore", message="The Python dbus package", category=UserWarning)
                    from plyer import notification as plyer_notification

                    plyer_notification.notify(**fields, app_name=self._app_name, app_icon=self._app_icon, timeout=10)
        except Exception as error:
            if not self._failed:
                self._failed = True
                log.error("desktop notification failed: %r", error)
            # plyer raises a bare NotImplementedError when it finds no backend at all.
            reason = "no notification service was found" if isinstance(error, NotImplementedError) else str(error)
            self._loop.call_soon_threadsafe(self._on_failed, reason or type(error).__name__, notification)
        else:
            log.debug("notified: %s", notification.title)


def _plyer_balloon() -> Callable[..., None] | None:
    """plyer's Windows balloon, to run in a thread we own (None: plyer moved it; use its facade)."""
    try:
        from plyer.platforms.win.libs.balloontip import balloon_tip
    except Exception as error:  # pragma: no cover - Windows only
        log.warning("plyer's Windows balloon not found (%r): its errors will not be reported", error)
        return None
    return cast(Callable[..., None], balloon_tip)


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
                self._show(Notification.for_record(record, sound=outcome == "sound", deadline=deadline))
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
            self._show(Notification.for_record(held[0]))
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
