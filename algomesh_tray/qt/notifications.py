"""Which backend shows popups, and what happens when it fails: the desktop's notifications
(plyer) or the tray's own messages, with the tray's as the fallback. The policy above the
backends (pause, rules, quiet hours, storms) is NotificationDispatcher's."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication

from ..notifiers import Notification, NotificationDispatcher, Notifier, PlyerNotifier
from ..records import TradeRecord
from ..resources import notification_icon
from ..rules import parse_quiet_hours, parse_rules
from ..settings import Settings
from .tray import APP_TITLE, TrayIcon, TrayMessageNotifier

__all__ = ["Notifications"]

log = logging.getLogger(__name__)


class Notifications(QObject):
    """Owns the dispatcher and its backend; ``problem`` says in words when popups cannot be shown."""

    problem = Signal(str)

    def __init__(self, tray: TrayIcon, settings: Settings, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tray = tray
        self._style = settings.notify_style
        self._trouble_told = False
        self.dispatcher = NotificationDispatcher(
            self._make_notifier(), max_popups=settings.max_popups_per_second, on_shown=self._on_shown
        )
        self._apply_rules(settings)

    def dispatch(self, records: Sequence[TradeRecord]) -> None:
        self.dispatcher.dispatch(records)

    def set_paused(self, paused: bool) -> None:
        self.dispatcher.paused = paused

    def apply(self, settings: Settings) -> None:
        """Settings changed: style, storm limit, rules and quiet hours."""
        if settings.notify_style != self._style:
            self._style = settings.notify_style
            self.dispatcher.set_notifier(self._make_notifier())
        self.dispatcher.max_popups = settings.max_popups_per_second
        self._apply_rules(settings)

    def on_tray_available(self) -> None:
        """A tray came after start-up: the chosen style may now be possible."""
        self.dispatcher.set_notifier(self._make_notifier())

    def close(self) -> None:
        self.dispatcher.notifier.close()

    def _apply_rules(self, settings: Settings) -> None:
        self.dispatcher.rules = parse_rules(settings.rules)
        self.dispatcher.quiet_hours = parse_quiet_hours(settings.quiet_hours)

    def _make_notifier(self) -> Notifier:
        if self._style == "tray" and self._tray.available:
            return TrayMessageNotifier(self._tray)
        return PlyerNotifier(app_name=APP_TITLE, app_icon=notification_icon(), on_failed=self._on_failed)

    def _on_failed(self, reason: str, notification: Notification) -> None:
        """Desktop notifications do not work here (no daemon, a backend plyer lacks): use the tray's."""
        first = not self._trouble_told
        self._trouble_told = True
        if self._tray.available:
            if isinstance(self.dispatcher.notifier, PlyerNotifier):
                self.dispatcher.set_notifier(TrayMessageNotifier(self._tray))
            if first:
                self.problem.emit(
                    f"Desktop notifications are not working ({reason}). AlgoMesh Tray shows its own instead."
                )
            self._tray.show_message(notification)  # after the explanation: the signal is what must stay on screen
        elif first:
            self.problem.emit(f"Desktop notifications are not working ({reason}). Signals are still logged and listed.")

    @staticmethod
    def _on_shown(notification: Notification) -> None:
        if notification.sound:
            QApplication.beep()  # the "sound" rule: notifiers cannot all play one, the desktop bell can
