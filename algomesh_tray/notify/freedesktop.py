"""The freedesktop Notifications backend: popups over the session bus, in-process, that report clicks.

jeepney's asyncio API (pure Python, already on Linux as keyring's dependency), so it runs on the
app's event loop, qasync's included: no thread, no process per popup. It speaks the spec at
https://specifications.freedesktop.org/notification-spec/ directly, because the parts that matter
go wrong elsewhere: ``replaces_id`` must be a uint32, urgency a byte, and the daemon's
``ActionInvoked`` / ``NotificationClosed`` signals must reach us (see stack-notes.md on QtDBus).

A popup is never late and a slow daemon never slows the app: ``show`` only queues (bounded); while
the daemon answers quickly a few ``Notify`` calls may be in flight (a popup need not wait for the
daemon to draw the one before), once it is slow only one (popups must not pile up in a daemon that
is behind, where they would be shown stale); each call has a timeout; and a popup whose deadline
passed while it waited is handed back (``set_on_late``) to be folded into the storm summary. No Qt.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jeepney import DBusAddress, HeaderFields, MatchRule, Message, MessageType, new_method_call
from jeepney.bus_messages import message_bus
from jeepney.io.asyncio import DBusConnection, DBusRouter, open_dbus_connection
from jeepney.wrappers import DBusErrorResponse, unwrap_msg

from ..feed.records import TradeRecord
from ..platform.resources import icon_path
from ..util.formatting import escape_markup
from ..util.guard import guarded
from .notification import Notification, Urgency
from .sound import SOUND_NAME

__all__ = [
    "DESKTOP_ENTRY",
    "NOTIFICATIONS",
    "DesktopNotifier",
    "ServerInfo",
    "ServiceUnavailable",
    "probe_notification_service",
    "themed_icon",
]

log = logging.getLogger(__name__)

#: The desktop file's name without ".desktop" (packaging/linux): desktops group popups under it.
DESKTOP_ENTRY = "algomesh-tray"
NOTIFICATIONS = DBusAddress(
    "/org/freedesktop/Notifications",
    bus_name="org.freedesktop.Notifications",
    interface="org.freedesktop.Notifications",
)
_URGENCY_BYTE: dict[Urgency, int] = {"low": 0, "normal": 1, "critical": 2}
#: The spec's expire_timeout: -1 the server's default, 0 never.
_SERVER_DEFAULT, _NEVER = -1, 0
_PAUSE_ACTION = "pause-1h"
_ACKNOWLEDGE_ACTION = "acknowledge-outage"
_CONNECT_TIMEOUT = 2.0
#: A daemon whose last answer took longer than this gets one call at a time.
_FAST_ANSWER = 0.1


class ServiceUnavailable(Exception):
    """No notification service answers on the session bus; the message says why, in words."""


@dataclass(frozen=True, slots=True)
class ServerInfo:
    """What the notification daemon said about itself (GetServerInformation, GetCapabilities)."""

    name: str
    vendor: str
    version: str
    capabilities: frozenset[str]

    @property
    def actions(self) -> bool:
        return "actions" in self.capabilities

    @property
    def body_markup(self) -> bool:
        return "body-markup" in self.capabilities

    @property
    def sound(self) -> bool:
        """Whether the service plays the ``sound-name`` hint (dunst does not: the app plays its own)."""
        return "sound" in self.capabilities


def themed_icon(data_dirs: Iterable[Path] | None = None) -> str:
    """The icon to send: the themed name when an install put it in an icon theme, else the bundled
    file's path (which every daemon can load, but desktops cannot swap for a themed variant)."""
    if data_dirs is None:
        home = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
        system = os.environ.get("XDG_DATA_DIRS") or "/usr/local/share:/usr/share"
        data_dirs = [Path(home), *(Path(part) for part in system.split(":") if part)]
    for folder in data_dirs:
        hicolor = folder / "icons" / "hicolor"
        if hicolor.is_dir() and any(hicolor.glob(f"*/apps/{DESKTOP_ENTRY}.*")):
            return DESKTOP_ENTRY
    return str(icon_path(DESKTOP_ENTRY))


def _describe(error: BaseException) -> str:
    """Why there are no desktop notifications, in words."""
    if isinstance(error, KeyError):
        return "there is no desktop session bus (DBUS_SESSION_BUS_ADDRESS is not set)"
    if isinstance(error, DBusErrorResponse) and error.name == "org.freedesktop.DBus.Error.ServiceUnknown":
        return "no notification service is running on this desktop"
    if isinstance(error, TimeoutError):
        return "the desktop's notification service did not answer"
    if isinstance(error, OSError):
        return f"the desktop session bus cannot be reached ({error.strerror or error})"
    return f"desktop notifications failed ({type(error).__name__}: {error})"


async def _call(router: DBusRouter, message: Message, timeout: float) -> tuple[Any, ...]:
    body, _ = await _call_with_sender(router, message, timeout)
    return body


async def _call_with_sender(router: DBusRouter, message: Message, timeout: float) -> tuple[tuple[Any, ...], str]:
    """The reply's body and the unique bus name of whoever answered."""
    reply = await asyncio.wait_for(router.send_and_get_reply(message), timeout)
    body: tuple[Any, ...] = unwrap_msg(reply)
    return body, reply.header.fields.get(HeaderFields.sender, "")


async def _open(bus: str, timeout: float) -> tuple[DBusConnection, DBusRouter]:
    """A connection to ``bus`` ("SESSION" or an address) and a router that matches replies."""
    connection = await asyncio.wait_for(open_dbus_connection(bus), timeout)
    return connection, DBusRouter(connection)


async def _close(connection: DBusConnection, router: DBusRouter) -> None:
    with contextlib.suppress(Exception):
        await router.__aexit__(None, None, None)
    with contextlib.suppress(Exception):
        await asyncio.wait_for(connection.close(), 1.0)


async def _server_info(router: DBusRouter, timeout: float) -> ServerInfo:
    (capabilities,) = await _call(router, new_method_call(NOTIFICATIONS, "GetCapabilities"), timeout)
    name, vendor, version, _ = await _call(router, new_method_call(NOTIFICATIONS, "GetServerInformation"), timeout)
    return ServerInfo(name, vendor, version, frozenset(capabilities))


async def probe_notification_service(*, bus: str = "SESSION", timeout: float = _CONNECT_TIMEOUT) -> ServerInfo:
    """Ask the session bus's notification daemon who it is and what it can do (for choosing a
    backend and telling the user in Settings); raises ServiceUnavailable saying why not."""
    try:
        connection, router = await _open(bus, timeout)
    except Exception as error:
        raise ServiceUnavailable(_describe(error)) from error
    try:
        return await _server_info(router, timeout)
    except Exception as error:
        raise ServiceUnavailable(_describe(error)) from error
    finally:
        await _close(connection, router)


class DesktopNotifier:
    """Notifier backend for org.freedesktop.Notifications; clicks and the Pause button call back.

    ``on_clicked(record)`` gets the popup's trade (None for a popup without one: the engine alerts);
    ``on_pause_requested()`` the "Pause 1 hour" button; ``on_acknowledged()`` a click on an outage
    alert that waits for an answer, or its "I'm on it" button; ``on_failed(reason, notification)`` each
    popup that cannot be shown because there is no service, so the app shows it another way.
    ``sound_file``: the sound picked in Settings, sent as the ``sound-file`` hint beside
    ``sound-name`` ("": the desktop's own sound).
    Popup ids of the last ``remembered`` popups map to their notifications; older ones have left
    the screen and are forgotten, so the map stays bounded however long the app runs.
    """

    def __init__(
        self,
        *,
        app_name: str,
        app_icon: str,
        keep_until_dismissed: bool = False,
        sound_file: str = "",
        on_clicked: Callable[[TradeRecord | None], None] = lambda record: None,
        on_pause_requested: Callable[[], None] = lambda: None,
        on_acknowledged: Callable[[], None] = lambda: None,
        on_failed: Callable[[str, Notification], None] = lambda reason, notification: None,
        bus: str = "SESSION",
        max_queued: int = 16,
        max_in_flight: int = 4,
        call_timeout: float = 2.0,
        remembered: int = 256,
    ) -> None:
        self._app_name = app_name
        self._app_icon = app_icon
        self._expire = _NEVER if keep_until_dismissed else _SERVER_DEFAULT
        self._sound_file = sound_file
        self._on_clicked = guarded(on_clicked, what="the popup click callback", logger=log)
        self._on_pause_requested = guarded(on_pause_requested, what="the pause button callback", logger=log)
        self._on_acknowledged = guarded(on_acknowledged, what="the outage answer callback", logger=log)
        self._on_failed = guarded(on_failed, what="the notification failure callback", logger=log)
        self._on_late: Callable[[Notification], None] = lambda notification: None
        self._bus = bus
        self._max_queued = max_queued
        self._max_in_flight = max_in_flight
        self._call_timeout = call_timeout
        self._remembered = remembered
        self._loop = asyncio.get_running_loop()
        self._queue: deque[Notification] = deque()
        self._wake = asyncio.Event()
        self._shown: OrderedDict[int, Notification] = OrderedDict()
        self._tags: dict[str, int] = {}  # replaces tag -> id of the popup on screen
        self._tag_sends: dict[str, asyncio.Task[None]] = {}  # replaces tag -> its Notify in flight
        self._sending: set[asyncio.Task[None]] = set()
        self._slot_freed = asyncio.Event()
        self._last_answer: float | None = None  # seconds the daemon took to answer the last call
        self._daemon = ""  # unique bus name of the daemon that answered the last Notify
        self._closed = False
        #: Why the service cannot be used (set once it is known), else None.
        self.failure: str | None = None
        self.server: ServerInfo | None = None
        self.sent = 0
        self.late = 0
        self.timed_out = 0
        self._task = self._loop.create_task(self._run(), name="desktop-notifier")

    # The Notifier protocol, and ReportsLate

    def show(self, notification: Notification) -> None:
        """Queue the popup and return at once; the queue is bounded, its oldest popups are late."""
        if self._closed:
            return
        if self.failure is not None:
            self._loop.call_soon(self._on_failed, self.failure, notification)
            return
        if notification.replaces:  # only the newest summary is worth sending
            kept = [queued for queued in self._queue if queued.replaces != notification.replaces]
            if len(kept) != len(self._queue):
                self._queue = deque(kept)
        self._queue.append(notification)
        while len(self._queue) > self._max_queued:
            self._give_back(self._queue.popleft())
        self._wake.set()

    def set_on_late(self, on_late: Callable[[Notification], None]) -> None:
        self._on_late = guarded(on_late, what="folding a late popup", logger=log)

    def close(self) -> None:
        """Stop at once: queued popups are dropped, the call in flight is abandoned, the bus closed."""
        self._closed = True
        self._queue.clear()
        self._task.cancel()
        for sending in list(self._sending):
            sending.cancel()

    async def wait_closed(self, timeout: float = 2.0) -> None:
        """Wait (at most ``timeout`` s) until the bus connection is closed, after ``close()``."""
        await asyncio.wait({self._task}, timeout=timeout)

    async def ready(self, timeout: float = 5.0) -> ServerInfo | None:
        """Wait until the service answered (its info) or failed (None, ``failure`` says why)."""
        deadline = self._loop.time() + timeout
        while self.server is None and self.failure is None and self._loop.time() < deadline:
            await asyncio.sleep(0.01)
        return self.server

    # The work, on the event loop

    async def _run(self) -> None:
        try:
            connection, router = await _open(self._bus, _CONNECT_TIMEOUT)
        except Exception as error:
            self._fail(_describe(error))
            return
        try:
            try:
                self.server = await _server_info(router, self._call_timeout)
                rule = MatchRule(type="signal", interface=NOTIFICATIONS.interface, path=NOTIFICATIONS.object_path)
                await _call(router, message_bus.AddMatch(rule), self._call_timeout)
            except Exception as error:
                self._fail(_describe(error))
                return
            log.info("desktop notifications by %s %s (%s)", self.server.name, self.server.version,
                     ", ".join(sorted(self.server.capabilities)))  # fmt: skip
            with router.filter(rule, queue=asyncio.Queue(1000)) as signals:
                listener = self._loop.create_task(self._listen(signals), name="desktop-notifier-signals")
                try:
                    await self._send_forever(router)
                finally:
                    listener.cancel()
        finally:
            if self._sending:  # ended before the router: jeepney drops their replies' keys on close
                await asyncio.wait(self._sending, timeout=1.0)
            await _close(connection, router)

    def _slots(self) -> int:
        """Calls allowed in flight: a few while the daemon is known to answer quickly, else one."""
        fast = self._last_answer is not None and self._last_answer < _FAST_ANSWER
        return self._max_in_flight if fast else 1

    async def _send_forever(self, router: DBusRouter) -> None:
        try:
            while True:
                await self._wake.wait()
                self._wake.clear()
                while self._queue:
                    while len(self._sending) >= self._slots():
                        self._slot_freed.clear()
                        await self._slot_freed.wait()
                    if not self._queue:
                        break
                    notification = self._queue.popleft()
                    if notification.is_late(time.monotonic()):
                        self._give_back(notification)
                        continue
                    previous = self._tag_sends.get(notification.replaces) if notification.replaces else None
                    sending = self._loop.create_task(self._send_after(router, notification, previous))
                    self._sending.add(sending)
                    sending.add_done_callback(self._sent)
                    if notification.replaces:
                        self._tag_sends[notification.replaces] = sending
        finally:
            for sending in list(self._sending):
                sending.cancel()

    def _sent(self, sending: asyncio.Task[None]) -> None:
        self._sending.discard(sending)
        self._slot_freed.set()
        for tag, task in list(self._tag_sends.items()):
            if task is sending:
                del self._tag_sends[tag]

    async def _send_after(
        self, router: DBusRouter, notification: Notification, previous: asyncio.Task[None] | None
    ) -> None:
        if previous is not None and not previous.done():
            await asyncio.wait({previous})  # the summary before: its id is the one to replace
        await self._send(router, notification)

    async def _send(self, router: DBusRouter, notification: Notification) -> None:
        assert self.server is not None
        replaces = self._tags.get(notification.replaces, 0) if notification.replaces else 0
        message = new_method_call(NOTIFICATIONS, "Notify", "susssasa{sv}i", (
            self._app_name, replaces, self._app_icon, notification.title,
            escape_markup(notification.body) if self.server.body_markup else notification.body,
            self._actions(notification), self._hints(notification), self._expire,
        ))  # fmt: skip
        started = time.monotonic()
        try:
            (popup_id,), self._daemon = await _call_with_sender(router, message, self._call_timeout)
        except TimeoutError:
            self._last_answer = self._call_timeout
            self.timed_out += 1
            if self.timed_out == 1 or self.timed_out % 100 == 0:
                log.warning("the notification service took over %.1f s to answer (%d times)",
                            self._call_timeout, self.timed_out)  # fmt: skip
            return
        except Exception as error:
            reason = _describe(error)
            log.error("a desktop notification failed: %s", reason)
            self._on_failed(reason, notification)
            return
        self._last_answer = time.monotonic() - started
        self.sent += 1
        if notification.replaces:
            self._tags[notification.replaces] = popup_id
        self._shown[popup_id] = notification
        self._shown.move_to_end(popup_id)
        while len(self._shown) > self._remembered:
            self._shown.popitem(last=False)

    def _actions(self, notification: Notification) -> list[str]:
        assert self.server is not None
        if not self.server.actions:
            return []
        actions = ["default", "Show trade" if notification.record is not None else "Open AlgoMesh Tray"]
        if notification.offer_pause:
            actions += [_PAUSE_ACTION, "Pause 1 hour"]
        if notification.offer_acknowledge:
            actions += [_ACKNOWLEDGE_ACTION, "I'm on it"]
        return actions

    def _hints(self, notification: Notification) -> dict[str, tuple[str, object]]:
        hints: dict[str, tuple[str, object]] = {
            "desktop-entry": ("s", DESKTOP_ENTRY),
            "urgency": ("y", _URGENCY_BYTE[notification.urgency]),
        }
        if notification.category:
            hints["category"] = ("s", notification.category)
        if notification.sound:  # the "sound" rule; a service without the sound capability ignores it
            hints["sound-name"] = ("s", SOUND_NAME)
            if self._sound_file:  # the sound picked in Settings: services play a sound-file first
                hints["sound-file"] = ("s", self._sound_file)
        return hints

    async def _listen(self, signals: asyncio.Queue[Message]) -> None:
        while True:
            message = await signals.get()
            if message.header.message_type is not MessageType.signal:
                continue
            if message.header.fields.get(HeaderFields.sender) != self._daemon:
                continue  # any program on the bus may send these signals: only the daemon's are clicks
            member = message.header.fields.get(HeaderFields.member)
            try:
                if member == "ActionInvoked":
                    popup_id, key = message.body
                    self._action_invoked(popup_id, key)
                elif member == "NotificationClosed":
                    self._closed_by_daemon(message.body[0])
            except Exception:  # our callbacks' faults must not stop clicks from arriving
                log.exception("handling %s from the notification service failed", member)

    def _action_invoked(self, popup_id: int, key: str) -> None:
        notification = self._shown.get(popup_id)
        if notification is None:
            return  # another app's popup, or one long forgotten
        if key in ("default", _ACKNOWLEDGE_ACTION) and notification.offer_acknowledge:
            self._on_acknowledged()
        if key == "default":
            self._on_clicked(notification.record)
        elif key == _PAUSE_ACTION:
            self._on_pause_requested()

    def _closed_by_daemon(self, popup_id: int) -> None:
        notification = self._shown.pop(popup_id, None)
        if notification is not None and notification.replaces and self._tags.get(notification.replaces) == popup_id:
            del self._tags[notification.replaces]  # the next summary is a new popup

    def _give_back(self, notification: Notification) -> None:
        self.late += 1
        self._on_late(notification)

    def _fail(self, reason: str) -> None:
        self.failure = reason
        log.warning("desktop notifications are not available: %s", reason)
        queued, self._queue = list(self._queue), deque()
        for notification in queued:
            self._on_failed(reason, notification)
