"""The tray icon: its look and tooltip follow the connection, its menu holds the shared actions,
and it shows Qt's tray messages."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from ..feed.engines import DEFAULT_ENGINE_NAME
from ..feed.status import ConnectionState, EngineState, ListenerStatus, engines_text, short_state
from ..util.formatting import escape_markup
from .actions import AppActions
from .icons import message_icon, tray_icon

if TYPE_CHECKING:  # imported after the tray shows: it is on screen sooner
    from ..feed.records import TradeRecord
    from ..notify.notification import Notification

__all__ = ["APP_TITLE", "TrayIcon", "tray_messages_pile_up", "tray_messages_read_markup"]

log = logging.getLogger(__name__)

APP_TITLE = "AlgoMesh Tray"
#: How long a Qt tray message stays on screen (where the system honours it).
MESSAGE_MS = 10_000


STATUS_NOTIFIER_WATCHER = "org.kde.StatusNotifierWatcher"


def tray_messages_read_markup() -> bool:
    """Whether Qt hands tray messages to the desktop's notification daemon, which reads markup.

    On Linux with a StatusNotifier host (KDE Plasma, GNOME with AppIndicator) Qt's tray is a D-Bus
    item and showMessage becomes an org.freedesktop.Notifications call with the body as given; with
    an XEmbed tray, and on Windows and macOS, the message is a plain-text balloon. This asks the
    session bus what Qt asks when it picks its tray (QDBusMenuConnection), once, at start-up.
    """
    if not sys.platform.startswith("linux"):
        return False
    from PySide6.QtDBus import QDBusConnection, QDBusInterface

    bus = QDBusConnection.sessionBus()
    names = bus.interface() if bus.isConnected() else None
    if names is None or not names.isServiceRegistered(STATUS_NOTIFIER_WATCHER).value():
        return False
    watcher = QDBusInterface(STATUS_NOTIFIER_WATCHER, "/StatusNotifierWatcher", STATUS_NOTIFIER_WATCHER, bus)
    return watcher.isValid() and bool(watcher.property("IsStatusNotifierHostRegistered"))


def tray_messages_pile_up(read_markup: bool, platform: str = sys.platform) -> bool:
    """Whether several tray messages may be out at once, so a click cannot be told apart.

    Qt's ``messageClicked`` says no more than "a message was clicked". Windows keeps each message
    in the Action Center and macOS in Notification Center after it leaves the screen, and a
    desktop's notification daemon (Linux with a StatusNotifier tray: ``read_markup``) keeps its
    history; only Qt's own balloon on an XEmbed tray is one at a time, each replacing the last.
    """
    return not platform.startswith("linux") or read_markup


class TrayIcon(QObject):
    """The icon in the system tray: its look follows the connection; a left click opens trades."""

    message_clicked = Signal(object)  # the TradeRecord the message clicked was about, or None
    #: A message was clicked while others may still be out (Action Center, Notification Center):
    #: which one is unknown, so no trade is named.
    unidentified_message_clicked = Signal()
    became_available = Signal()  # a system tray appeared after start-up (a panel that starts late)
    status_text_changed = Signal(str)  # the connection sentence, also while counting down a retry
    reconnect_requested = Signal(str)  # an engine's "Reconnect now" (several engines: a submenu each)

    def __init__(self, actions: AppActions, parent: QObject | None = None, *, platform: str = sys.platform) -> None:
        """Built and shown before the rest of the app exists: ``follow`` then says where the
        status line's details come from. ``platform``: whose tray messages these are."""
        super().__init__(parent)
        self._platform = platform
        self.available = QSystemTrayIcon.isSystemTrayAvailable()
        self._escape_messages: bool | None = None  # asked at the first message (QtDBus: 0.3 MB, D-Bus calls)
        self._tray_watch: QTimer | None = None
        self._icon_name = "tray-connecting"
        self._actions = actions
        self._icon = QSystemTrayIcon(tray_icon(self._icon_name), self)
        self._menu = self._build_menu(actions)
        self._icon.setContextMenu(self._menu)
        self._menu.triggered.connect(self._on_menu_triggered)  # submenus' actions too
        self._icon.activated.connect(self._on_icon_activated)
        self._icon.messageClicked.connect(self._on_icon_message_clicked)
        self._piles_up: bool | None = None  # with _escape_messages, at the first message
        self._out = 0  # messages that may still be on screen or in the notification centre
        self._only_record: TradeRecord | None = None  # what the one out is about, when _out == 1
        self._only_known = False  # whether the one out (if any) is known
        self._only_shown_at = 0.0  # when the one out was shown (time.monotonic())
        self._clock = time.monotonic
        #: Each watched engine's last status, in the order the settings list them (set_engines).
        self._statuses: dict[str, ListenerStatus | None] = {DEFAULT_ENGINE_NAME: None}
        self._retry_deadlines: dict[str, float] = {}
        self._engine_menus: dict[str, QMenu] = {}
        self._countdown = QTimer(self, interval=1000)
        self._countdown.timeout.connect(self._refresh)
        self._idle_check = QTimer(self, interval=10_000)
        self._idle_check.timeout.connect(self._refresh)
        self.text = ""  # the status bar's sentence
        self.tooltip = ""
        self._last_frame_at: Callable[[str], float | None] = lambda engine: None
        self._quiet_until: Callable[[], datetime | None] = lambda: None
        self._down_since: Callable[[str], float | None] = lambda engine: None
        self._bridge_troubles: Callable[[], list[str]] = list
        self._paused = False
        self._paused_until: datetime | None = None

    def _build_menu(self, actions: AppActions) -> QMenu:
        menu = QMenu()
        menu.addActions([actions.acknowledge_outage, actions.open_trades, actions.settings, actions.pause])
        menu.addMenu("Pause for").addActions(list(actions.pause_for.values()))
        menu.addAction(actions.reconnect)
        self._engines_end = menu.addSeparator()  # several engines: a submenu each before it
        menu.addActions([actions.about, actions.quit])
        return menu

    def show(self) -> None:
        if self.available:
            self._icon.show()
            log.info("tray icon shown (system tray available)")
        elif self._tray_watch is None:
            # Started at login before the panel? Look for a tray every 2 s and move in when it comes.
            self._tray_watch = QTimer(self, interval=2000)
            self._tray_watch.timeout.connect(self._look_for_tray)
            self._tray_watch.start()

    def _look_for_tray(self) -> None:
        if not QSystemTrayIcon.isSystemTrayAvailable():
            return
        assert self._tray_watch is not None
        self._tray_watch.stop()
        self.available = True
        self._escape_messages = self._piles_up = None  # ask again: the new tray may show messages differently
        log.info("a system tray appeared")
        self.show()
        self.became_available.emit()

    def hide(self) -> None:
        self._icon.hide()

    def follow(
        self,
        *,
        last_frame_at: Callable[[str], float | None],
        quiet_until: Callable[[], datetime | None],
        down_since: Callable[[str], float | None],
        bridge_troubles: Callable[[], list[str]] = list,
    ) -> None:
        """Each given an engine's name: ``last_frame_at``: time.monotonic() of its last frame (None if
        unknown); ``down_since``: when it became unreachable (time.time(), None while it is there).
        ``quiet_until``: when the current quiet hours end (None outside them); ``bridge_troubles``: a
        line for each bridge that is paused or failing with messages waiting."""
        self._last_frame_at, self._quiet_until, self._down_since = last_frame_at, quiet_until, down_since
        self._bridge_troubles = bridge_troubles

    def set_engines(self, names: Sequence[str]) -> None:
        """The engines watched, in order: the tooltip and menu show these (a stopped one's last
        status is forgotten). Several get a submenu each with their state and "Reconnect now"."""
        self._statuses = {name: self._statuses.get(name) for name in names}
        self._retry_deadlines = {name: at for name, at in self._retry_deadlines.items() if name in self._statuses}
        (self._countdown.start if self._retry_deadlines else self._countdown.stop)()
        several = len(names) > 1
        self._actions.reconnect.setText("Reconnect all" if several else "Reconnect now")
        for name in [name for name in self._engine_menus if not several or name not in self._statuses]:
            menu = self._engine_menus.pop(name)
            self._menu.removeAction(menu.menuAction())
            menu.deleteLater()
        if several:
            for name in names:
                if name not in self._engine_menus:
                    menu = QMenu(self._menu)
                    menu.addAction("Reconnect now").setData(name)  # the menu's triggered() says which
                    self._menu.insertMenu(self._engines_end, menu)
                    self._engine_menus[name] = menu
        self._refresh()

    def set_status(self, status: ListenerStatus) -> None:
        if status.engine not in self._statuses:
            return  # an engine just removed, saying it stopped
        self._statuses[status.engine] = status
        if status.retry_in is not None:
            self._retry_deadlines[status.engine] = time.monotonic() + status.retry_in
        else:
            self._retry_deadlines.pop(status.engine, None)
        statuses = [known for known in self._statuses.values() if known is not None]
        (self._countdown.start if self._retry_deadlines else self._countdown.stop)()
        connected = any(known.state == ConnectionState.CONNECTED for known in statuses)
        (self._idle_check.start if connected else self._idle_check.stop)()
        self._refresh()

    def set_pause(self, paused: bool, until: datetime | None = None) -> None:
        """Show notifications as paused (until ``until``, or until resumed) or not."""
        self._paused, self._paused_until = paused, until
        self._refresh()

    def refresh(self) -> None:
        """Redraw after something the status depends on changed (quiet hours in the settings)."""
        self._refresh()

    def show_message(self, notification: Notification) -> None:
        """A Qt tray message; its click reaches ``message_clicked`` with the trade when it is the
        only message that may be out, else ``unidentified_message_clicked``."""
        if self._escape_messages is None or self._piles_up is None:
            self._escape_messages = tray_messages_read_markup()
            self._piles_up = tray_messages_pile_up(self._escape_messages, self._platform)
        if self._out == 0 or not self._piles_up:  # the only one out: a click can only be this one
            self._out, self._only_record, self._only_known = 1, notification.record, True
            self._only_shown_at = self._clock()
        else:
            self._out += 1
            self._only_known = False
        body = escape_markup(notification.body) if self._escape_messages else notification.body
        self._icon.showMessage(notification.title, body, message_icon(), MESSAGE_MS)
        log.info("tray message shown: %s", notification.title)

    def _refresh(self) -> None:
        states = [self._state_of(status) for status in self._statuses.values() if status is not None]
        if not states and self._statuses:
            return  # nothing heard yet from the engines watched
        icon, text, tooltip = engines_text(
            states, self._paused, paused_until=self._paused_until, quiet_until=self._quiet_until()
        )
        if troubles := self._bridge_troubles():
            text = " · ".join([text, *troubles])
            tooltip = "\n".join([tooltip, *troubles])
        if icon != self._icon_name:  # not every second of a countdown: D-Bus trays repaint on each
            self._icon_name = icon
            self._icon.setIcon(tray_icon(icon))
        for state in states:
            if (menu := self._engine_menus.get(state.status.engine)) is not None:
                menu.setTitle(f"{state.status.engine}: {short_state(state)}".replace("&", "&&"))
        if tooltip != self.tooltip:  # a tooltip set is a D-Bus call on StatusNotifier trays: only on a change
            self._icon.setToolTip(f"{APP_TITLE}\n{tooltip}")
            self.tooltip = tooltip
        if text != self.text:
            self.text = text
            self.status_text_changed.emit(text)

    def _state_of(self, status: ListenerStatus) -> EngineState:
        """The status with its countdown brought up to now, how long the engine has been silent,
        and since when it is down."""
        engine = status.engine
        if status.retry_in is not None:
            remaining = max(0.0, self._retry_deadlines.get(engine, 0.0) - time.monotonic())
            status = replace(status, retry_in=remaining)
        last_frame_at = self._last_frame_at(engine)
        idle_for = None if last_frame_at is None else time.monotonic() - last_frame_at
        down_since = self._down_since(engine)
        since = None if down_since is None else datetime.fromtimestamp(down_since).astimezone()
        return EngineState(status, idle_for, since)

    def _on_menu_triggered(self, action: QAction) -> None:
        """An engine's "Reconnect now" (its name is the action's data; the shared actions carry none)."""
        if isinstance(name := action.data(), str):
            self.reconnect_requested.emit(name)

    def _on_icon_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason == QSystemTrayIcon.ActivationReason.Trigger:
            self._actions.open_trades.trigger()

    def _on_icon_message_clicked(self) -> None:
        # Where messages pile up, a click after the message left the screen may be on an older entry
        # of the notification centre, one of an earlier run even (macOS reports those too).
        on_screen = not self._piles_up or self._clock() - self._only_shown_at <= MESSAGE_MS / 1000
        if self._out == 1 and self._only_known and on_screen:
            log.info("tray message clicked")
            self.message_clicked.emit(self._only_record)
        else:
            log.info("a tray message clicked, one of %d that may be out: which is unknown", self._out)
            self.unidentified_message_clicked.emit()
        if self._piles_up:  # the clicked one is gone from the notification centre
            self._out = max(0, self._out - 1)
            self._only_known = self._only_known and self._out == 1
