"""Which backend shows popups, and what happens when it fails.

Linux: the desktop's notification service over D-Bus (clickable, a "Pause 1 hour" button), else
notify-send through plyer, else the tray's own messages. Windows and macOS: the tray's messages,
which are the system's own notifications there and report clicks. notify/choice.py decides; this
owner builds the backend, falls back when it fails and says so once. The policy above the
backends (pause, rules, quiet hours, storms) is NotificationDispatcher's. The tray-message backend
(TrayMessageNotifier) is here too.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from ..feed.records import TradeRecord
from ..notify.choice import Backend, fallback_backend, preferred_backend, support_sentence
from ..notify.dispatcher import NotificationDispatcher
from ..notify.notification import Notification, Notifier
from ..notify.rules import parse_quiet_hours, parse_rules
from ..notify.sound import SOUNDS, SoundPlayer, own_sound_file
from ..platform.resources import notification_icon, resource_path
from ..settings import Settings
from .tray import APP_TITLE, TrayIcon

if TYPE_CHECKING:  # freedesktop needs jeepney, a Linux-only dependency
    from ..notify.freedesktop import ServerInfo

__all__ = ["Notifications", "TrayMessageNotifier"]

log = logging.getLogger(__name__)

_DESCRIBED: dict[Backend, str] = {
    "dbus": "the desktop's notifications",
    "plyer": "notify-send (no clicks)",
    "tray": "AlgoMesh Tray's own messages",
}


class _NotChosenYet:
    """Holds popups until ``choose_backend`` has asked the desktop what it has (nothing is lost)."""

    def __init__(self) -> None:
        self.held: list[Notification] = []

    def show(self, notification: Notification) -> None:
        self.held.append(notification)

    def close(self) -> None:
        """Nothing to release."""


class Notifications(QObject):
    """Owns the dispatcher and its backend. ``clicked`` carries the popup's trade (None: no trade,
    e.g. a summary or an engine alert); ``pause_requested`` is a popup's "Pause 1 hour" button;
    ``acknowledged`` a click on (or "I'm on it" of) an outage alert that waits for an answer;
    ``problem`` says in words when popups cannot be shown as chosen."""

    clicked = Signal(object)
    pause_requested = Signal()
    acknowledged = Signal()
    problem = Signal(str)

    def __init__(
        self,
        tray: TrayIcon,
        settings: Settings,
        parent: QObject | None = None,
        *,
        platform: str = sys.platform,
        player: SoundPlayer | None = None,
    ) -> None:
        """``player``: what plays the "sound" rule's sound where the desktop does not (made at the
        first sound when not given)."""
        super().__init__(parent)
        self._tray = tray
        self._settings = settings
        self._platform = platform
        self._service: ServerInfo | None = None  # on Linux, when the service answered
        self._service_problem: str | None = None
        self._trouble_told = False
        self._sound = player
        self._player_given = player is not None
        self.backend: Backend | None = None
        self.dispatcher = NotificationDispatcher(
            _NotChosenYet(), max_popups=settings.max_popups_per_second, on_shown=self._on_shown
        )
        self._apply_rules(settings)

    async def choose_backend(self) -> None:
        """Ask the desktop's notification service (Linux) what it can do, then use the best backend.

        The service is asked once: by the D-Bus backend itself when it is the one wanted (its own
        connection answers the question), else by a probe, for Settings' sentence.
        """
        held = self.dispatcher.notifier
        if self._platform.startswith("linux"):
            await self._ask_the_desktop()
        if self.backend is None:
            self._use(self._preferred())
        if isinstance(held, _NotChosenYet):
            for notification in held.held:
                self.dispatcher.notifier.show(notification)

    async def _ask_the_desktop(self) -> None:
        from ..notify.freedesktop import DesktopNotifier, ServiceUnavailable, probe_notification_service

        if self._settings.notify_style == "native":
            notifier = self._build("dbus")
            assert isinstance(notifier, DesktopNotifier)
            self._service = await notifier.ready()
            if self._service is not None:
                self._adopt("dbus", notifier)
                return
            notifier.close()
            self._service_problem = notifier.failure or "the notification service did not answer in time"
        else:
            try:
                self._service = await probe_notification_service()
            except ServiceUnavailable as error:
                self._service_problem = str(error)
        if self._service_problem is not None:
            log.info("no desktop notification service: %s", self._service_problem)

    @property
    def support_text(self) -> str:
        """What this desktop's notifications can do, in words, for the Settings window."""
        return support_sentence(
            self._platform,
            service=self._service,
            problem=self._service_problem,
            tray_available=self._tray.available,
        )

    def dispatch(self, records: Sequence[TradeRecord]) -> None:
        self.dispatcher.dispatch(records)

    def show_now(self, notification: Notification) -> None:
        """Show at once, whatever pause, quiet hours and storm control say (engine alerts)."""
        self.dispatcher.notifier.show(notification)

    def tell(self, message: str) -> None:
        """The app's own message (a warning, a notice) as a popup from the backend signals use, so
        it has the desktop's look, history and Do Not Disturb; Qt's tray message only where that is
        the backend (no notification service, Windows, macOS, or chosen in Settings)."""
        self.show_now(Notification(APP_TITLE, message, offer_pause=False))

    def set_paused(self, paused: bool) -> None:
        self.dispatcher.paused = paused

    def apply(self, settings: Settings) -> None:
        """Settings changed: backend (style, popup expiry), storm limit, rules and quiet hours."""
        old, self._settings = self._settings, settings
        backend_changed = settings.notify_style != old.notify_style
        expiry_changed = settings.keep_popups_until_dismissed != old.keep_popups_until_dismissed
        sound_changed = settings.sound != old.sound
        if sound_changed and not self._player_given:
            self._sound = None  # the next sound is the new choice
        dbus_changed = (expiry_changed or sound_changed) and self.backend == "dbus"
        if self.backend is not None and (backend_changed or dbus_changed):
            self._use(self._preferred())
        self.dispatcher.max_popups = settings.max_popups_per_second
        self._apply_rules(settings)

    def on_tray_available(self) -> None:
        """A tray came after start-up: the chosen style may now be possible."""
        self._use(self._preferred())

    async def close(self) -> None:
        """Stop showing popups; what is queued is dropped (Quit must not wait on a slow daemon)."""
        notifier = self.dispatcher.notifier
        notifier.close()
        if self._sound is not None:
            self._sound.close()
        wait_closed = getattr(notifier, "wait_closed", None)  # the D-Bus backend closes its connection
        if wait_closed is not None:
            await wait_closed()

    def _preferred(self) -> Backend:
        backend = preferred_backend(self._settings.notify_style, self._platform, service=self._service)
        if backend == "tray" and not self._tray.available:
            return "dbus" if self._service is not None else "plyer"
        return backend

    def _use(self, backend: Backend) -> None:
        self._adopt(backend, self._build(backend))

    def _adopt(self, backend: Backend, notifier: Notifier) -> None:
        log.info("notifications shown by %s", _DESCRIBED[backend])
        self.backend = backend
        self.dispatcher.set_notifier(notifier)

    def _build(self, backend: Backend) -> Notifier:
        if backend == "tray":
            return TrayMessageNotifier(self._tray)
        if backend == "dbus":
            from ..notify.freedesktop import DesktopNotifier, themed_icon

            return DesktopNotifier(
                app_name=APP_TITLE,
                app_icon=themed_icon(),
                keep_until_dismissed=self._settings.keep_popups_until_dismissed,
                sound_file=self._picked_sound_file(self._settings.sound),
                on_clicked=self.clicked.emit,
                on_pause_requested=self.pause_requested.emit,
                on_acknowledged=self.acknowledged.emit,
                on_failed=lambda reason, notification: self._on_failed(backend, reason, notification),
            )
        from ..notify.plyer_backend import PlyerNotifier  # only when chosen: the desktop's own service seldom is

        return PlyerNotifier(
            app_name=APP_TITLE,
            app_icon=notification_icon(),
            on_failed=lambda reason, notification: self._on_failed(backend, reason, notification),
        )

    def _apply_rules(self, settings: Settings) -> None:
        """What decides each signal's popup: the rules, quiet hours, and whether it names its engine."""
        self.dispatcher.name_engines = settings.several_engines
        self.dispatcher.rules = parse_rules(settings.rules)
        self.dispatcher.quiet_hours = parse_quiet_hours(settings.quiet_hours)

    def _on_failed(self, failed: Backend, reason: str, notification: Notification) -> None:
        """``failed`` cannot show popups (no daemon, a backend plyer lacks): fall back, say so once,
        and show this popup the new way, so the signal still reaches the screen."""
        if failed == self.backend:
            fallback = fallback_backend(failed, tray_available=self._tray.available)
            if fallback is not None:
                self._use(fallback)
            self._tell_trouble(reason, fallback)
        if self.backend != failed:  # popups the failed backend had queued go to the one now in use
            self.dispatcher.notifier.show(notification)

    def _tell_trouble(self, reason: str, fallback: Backend | None) -> None:
        if self._trouble_told:
            return
        self._trouble_told = True
        trouble = f"Desktop notifications are not working ({reason})."
        if fallback == "tray":
            self.problem.emit(f"{trouble} AlgoMesh Tray shows its own instead.")
        elif fallback is not None:
            self.problem.emit(f"{trouble} Popups now go through {_DESCRIBED[fallback]}.")
        else:
            self.problem.emit(f"{trouble} Signals are still logged and listed.")

    def test_sound(self, choice: str) -> None:
        """Settings' "Test sound": what a "sound" rule's popup makes heard on this desktop with
        ``choice`` (a key of SOUNDS, maybe not saved yet)."""
        saved = choice == self._settings.sound
        if saved and self._desktop_plays_sounds():  # the desktop plays it from a popup that asks for it
            self.show_now(Notification(APP_TITLE, f"Sound: {SOUNDS[choice]}.", sound=True, offer_pause=False))
        elif saved or self._player_given:
            self._player().play(asked=True)
        else:  # picked, not saved yet: the app's own file for that choice
            self._make_player(choice).play(asked=True)

    def _on_shown(self, notification: Notification) -> None:
        """The "sound" rule: the popup carries the spec's sound hint (D-Bus); where the service does
        not play it, or another backend shows the popup, the app plays its own sound."""
        if notification.sound and not self._desktop_plays_sounds():
            self._player().play()

    def _desktop_plays_sounds(self) -> bool:
        return self.backend == "dbus" and self._service is not None and self._service.sound

    def _player(self) -> SoundPlayer:
        if self._sound is None:
            self._sound = self._make_player(self._settings.sound)
        return self._sound

    def _make_player(self, choice: str) -> SoundPlayer:
        try:
            sound_file = resource_path(own_sound_file(choice))
        except FileNotFoundError as error:  # a build that left it out: the players then play nothing
            log.warning("%s", error)
            sound_file = Path(own_sound_file(choice))
        return SoundPlayer(sound_file=sound_file, on_missing=self.problem.emit, platform=self._platform)

    @staticmethod
    def _picked_sound_file(choice: str) -> str:
        """The ``sound-file`` hint for a picked sound ("" for the desktop's own)."""
        if choice == "desktop":
            return ""
        try:
            return str(resource_path(own_sound_file(choice)))
        except FileNotFoundError:
            return ""


class TrayMessageNotifier:
    """Notifier backend for Qt tray messages (clickable, unlike plyer's)."""

    def __init__(self, tray: TrayIcon) -> None:
        self._tray = tray

    def show(self, notification: Notification) -> None:
        self._tray.show_message(notification)

    def close(self) -> None:
        """Nothing to release: the tray icon outlives the notifier."""
