"""A private D-Bus bus (a real dbus-daemon) and a notification service on it that we control.

The service speaks org.freedesktop.Notifications like a daemon does, but answers each call after
``delay`` seconds (a slow or hung desktop), can leave out capabilities, and emits ActionInvoked /
NotificationClosed on request (a click). Used by the unit tests and bench/notify_bench.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jeepney import HeaderFields, MatchRule, Message, MessageType, new_error, new_method_return, new_signal
from jeepney.bus_messages import message_bus
from jeepney.io.asyncio import DBusConnection, DBusRouter, Proxy, open_dbus_connection

from algomesh_tray.notify.freedesktop import NOTIFICATIONS

__all__ = ["FakeNotificationService", "NotifyCall", "PrivateBus"]

_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir={folder}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


class _StampingQueue(asyncio.Queue[tuple[float, Message]]):
    """Stamps each call with its arrival on the bus, not with when a slow service gets to it."""

    def put_nowait(self, item: Any) -> None:
        super().put_nowait((time.monotonic(), item))


class PrivateBus:
    """A dbus-daemon of our own, with no service files: nothing is started on demand, so a name
    nobody owns stays absent (the session bus would start dunst for org.freedesktop.Notifications)."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        config = folder / "bus.conf"
        config.write_text(_CONFIG.format(folder=folder))
        self._process = subprocess.Popen(
            ["dbus-daemon", "--config-file", str(config), "--nofork", "--print-address=1"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,  # "Failed to set fd limit" when not allowed to: harmless
        )
        assert self._process.stdout is not None
        self.address = self._process.stdout.readline().decode().strip()
        assert self.address, "dbus-daemon printed no address"

    def stop(self) -> None:
        self._process.terminate()
        try:
            self._process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()

    def __enter__(self) -> PrivateBus:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


@dataclass(frozen=True)
class NotifyCall:
    """One Notify call as the service received it, with ``time.monotonic()`` of its arrival."""

    arrived: float
    app_name: str
    replaces_id: int
    app_icon: str
    summary: str
    body: str
    actions: list[str]
    hints: dict[str, tuple[str, Any]]
    expire_timeout: int
    id: int = 0


@dataclass
class FakeNotificationService:
    """Owns org.freedesktop.Notifications on ``address``; answers Notify calls one at a time, each
    after ``delay`` seconds (the other methods at once, as a daemon busy drawing still would)."""

    address: str
    delay: float = 0.0
    capabilities: tuple[str, ...] = ("actions", "body", "body-markup")
    calls: list[NotifyCall] = field(default_factory=list)
    _connection: DBusConnection | None = None
    _router: DBusRouter | None = None
    _task: asyncio.Task[None] | None = None
    _next_id: int = 0

    async def start_unnamed(self) -> FakeNotificationService:
        """Connected, but owning no name: another program on the bus (to send signals as an impostor)."""
        self._connection = await open_dbus_connection(self.address)
        self._router = DBusRouter(self._connection)
        self._filter = self._router.filter(MatchRule(type="method_call"), queue=_StampingQueue(100_000))
        return self

    async def start(self) -> FakeNotificationService:
        await self.start_unnamed()
        assert self._router is not None
        (result,) = await Proxy(message_bus, self._router).RequestName(NOTIFICATIONS.bus_name, 4)
        assert result == 1, f"could not own the name ({result})"
        self._task = asyncio.get_running_loop().create_task(self._serve())
        return self

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._router is not None and self._connection is not None:
            self._filter.close()
            await self._router.__aexit__(None, None, None)
            await self._connection.close()

    async def emit(self, member: str, popup_id: int, argument: str | int) -> None:
        """Send a signal as the daemon does on a click (ActionInvoked) or a close (NotificationClosed)."""
        assert self._router is not None
        signature = "us" if member == "ActionInvoked" else "uu"
        await self._router.send(new_signal(NOTIFICATIONS, member, signature, (popup_id, argument)))

    async def _serve(self) -> None:
        assert self._router is not None
        while True:
            arrived, call = await self._filter.queue.get()
            if self.delay and call.header.fields.get(HeaderFields.member) == "Notify":
                await asyncio.sleep(self.delay)
            await self._router.send(self._answer(call, arrived))

    def _answer(self, call: Message, arrived: float) -> Message:
        member = call.header.fields.get(HeaderFields.member)
        if member == "GetCapabilities":
            return new_method_return(call, "as", (list(self.capabilities),))
        if member == "GetServerInformation":
            return new_method_return(call, "ssss", ("fake", "AlgoMesh tests", "1.0", "1.2"))
        if member == "Notify":
            arguments = call.body
            if arguments[1]:
                popup_id = arguments[1]
            else:
                self._next_id += 1
                popup_id = self._next_id
            self.calls.append(NotifyCall(arrived, *arguments, id=popup_id))
            return new_method_return(call, "u", (popup_id,))
        if member == "CloseNotification":
            return new_method_return(call)
        assert call.header.message_type is MessageType.method_call
        return new_error(call, "org.freedesktop.DBus.Error.UnknownMethod")
