"""Notifications: one interface, a native backend (plyer), and the policy above the backends.

The policy (pause, storm control) lives in NotificationDispatcher, once, whatever backend
shows the popups. The Qt tray-message backend is in qt/tray.py; it fits the same Protocol.
No Qt here.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import time as dt_time
from typing import TYPE_CHECKING, Protocol

from .formatting import escape_markup, notification_body, notification_title, safe_text
from .rules import Rule, outcome_for, quiet_hours_end

if TYPE_CHECKING:  # annotations only: the tray imports this module before the trade log's sqlite3
    from .tradelog import TradeRecord

__all__ = ["PAUSE_CHOICES", "Notification", "NotificationDispatcher", "Notifier", "PlyerNotifier", "pause_ends"]

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


@dataclass(frozen=True, slots=True)
class Notification:
    """What a popup says, in plain text, and the trade it opens when clicked (if any)."""

    title: str
    body: str
    record: TradeRecord | None = None
    sound: bool = False

    @classmethod
    def for_record(cls, record: TradeRecord, *, sound: bool = False) -> Notification:
        return cls(notification_title(record.signal), notification_body(record.signal), record, sound)


class Notifier(Protocol):
    """A way to show a popup; ``show`` must return at once (never block the Qt thread)."""

    def show(self, notification: Notification) -> None: ...

    def close(self) -> None: ...


class PlyerNotifier:
    """The desktop's own notifications through plyer, called on a worker thread.

    plyer blocks (on Linux it may run ``notify-send``, 15-30 ms a call), so calls queue on one
    thread, in order. plyer cannot report clicks; the tray style can. A popup plyer could not show
    goes to ``on_failed`` with the reason, on the event loop, so the app can show it another way.
    """

    def __init__(
        self,
        *,
        app_name: str,
        app_icon: str = "",
        on_failed: Callable[[str, Notification], None] = lambda reason, notification: None,
    ) -> None:
        self._app_name = app_name
        self._app_icon = app_icon
        self._on_failed = on_failed
        self._loop = asyncio.get_running_loop()
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="plyer-notify")
        self._failed = False

    def show(self, notification: Notification) -> None:
        self._worker.submit(self._send, notification)

    def close(self) -> None:
        """Stop taking popups; queued ones still go out (the interpreter waits for them at exit)."""
        self._worker.shutdown(wait=False, cancel_futures=False)

    def _send(self, notification: Notification) -> None:
        try:
            with warnings.catch_warnings():
                # plyer warns on each use without dbus-python, then runs notify-send: that is fine.
                warnings.filterwarnings("ignore", message="The Python dbus package", category=UserWarning)
                from plyer import notification as plyer_notification

                plyer_notification.notify(
                    title=notification.title,
                    # Daemons read the body as markup (dunst does); the summary is plain text by spec.
                    message=escape_markup(notification.body),
                    app_name=self._app_name,
                    app_icon=self._app_icon,
                    timeout=10,
                )
        except Exception as error:
            if not self._failed:
                self._failed = True
                log.error("desktop notification failed: %r", error)
            # plyer raises a bare NotImplementedError when it finds no backend at all.
            reason = "no notification service was found" if isinstance(error, NotImplementedError) else str(error)
            self._loop.call_soon_threadsafe(self._on_failed, reason or type(error).__name__, notification)
        else:
            log.debug("notified: %s", notification.title)


class NotificationDispatcher:
    """Decides which records become popups: respects pause, and folds storms into summaries.

    At most ``max_popups`` popups per ``window`` seconds; the rest of that window is shown
    as one summary popup when it ends. Every record still reaches the log and the table.
    """

    def __init__(
        self,
        notifier: Notifier,
        *,
        max_popups: int = 5,
        window: float = 1.0,
        on_shown: Callable[[Notification], None] = lambda notification: None,
    ) -> None:
        self.notifier = notifier
        self.paused = False
        self.rules: tuple[Rule, ...] = ()
        self.quiet_hours: tuple[dt_time, dt_time] | None = None
        self.silenced = 0
        self.shown = 0
        self.summarised = 0
        self.max_popups = max_popups
        self._window = window
        self._on_shown = on_shown
        self._loop = asyncio.get_running_loop()
        self._window_started = -window
        self._in_window = 0
        self._held: list[TradeRecord] = []

    def dispatch(self, records: Sequence[TradeRecord]) -> None:
        """Notify (or fold into a summary) records that are already in the trade log."""
        if self.paused or quiet_hours_end(self.quiet_hours, datetime.now().astimezone()) is not None:
            return
        if log.isEnabledFor(logging.DEBUG):
            log.debug("notification requested for trade ids %s", [record.id for record in records])
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
                self._show(Notification.for_record(record, sound=outcome == "sound"))
            else:
                if not self._held:
                    self._loop.call_at(self._window_started + self._window, self._show_summary)
                self._held.append(record)

    def _show(self, notification: Notification) -> None:
        self.shown += 1
        self.notifier.show(notification)
        self._on_shown(notification)

    def _show_summary(self) -> None:
        held, self._held = self._held, []
        self._window_started, self._in_window = self._loop.time(), 1
        if not held or self.paused:
            return
        self.summarised += len(held)
        if len(held) == 1:
            self._show(Notification.for_record(held[0]))
            return
        by_strategy = Counter(safe_text(record.signal.strategy_name, 40) for record in held)
        shown = ", ".join(f"{name} ×{count}" for name, count in by_strategy.most_common(4))
        if len(by_strategy) > 4:
            shown += ", …"
        self._show(Notification(f"{len(held)} more signals", shown, held[-1]))

    def set_notifier(self, notifier: Notifier) -> None:
        """Switch backend (Settings changed the style); the old one finishes what it has."""
        old, self.notifier = self.notifier, notifier
        old.close()
