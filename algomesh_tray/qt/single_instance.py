"""One running app per user and data folder: a second launch hands over and exits.

A double-click on the app while it runs in the tray should show its window, not start a
second listener writing to the same trade log. A lock the OS holds for the process
(instance_lock: a named mutex on Windows, where two servers can listen on one pipe) decides who
runs; a door carries the "show your window" knock: a Unix socket on POSIX (instance_socket), a
QLocalServer named pipe on Windows (local_server_door).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import socket
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QObject, QSocketNotifier, Signal, SignalInstance

from ..platform.foreground import allow_foreground
from ..platform.instance_lock import InstanceLock, instance_lock
from ..platform.instance_socket import SHOW, knock, listen, socket_path

__all__ = ["Door", "SingleInstance", "UnixSocketDoor", "server_name"]

log = logging.getLogger(__name__)


def server_name(data_folder: Path) -> str:
    """The instance's name: one per user and data folder, the same for every launch."""
    user = os.environ.get("USER") or os.environ.get("USERNAME") or str(os.getuid() if hasattr(os, "getuid") else "")
    digest = hashlib.sha256(f"{user}:{data_folder}".encode()).hexdigest()[:16]
    return f"algomesh-tray-{digest}"


class Door(Protocol):
    """Where a second launch knocks; ``knocked`` fires on the running instance."""

    knocked: SignalInstance

    def knock(self, timeout_ms: int, on_answer: Callable[[], object] = ...) -> bool:
        """Knock on the running instance's door: True if it was there to hear it. ``on_answer``
        runs once the door is known to be there, before the knock is sent."""
        ...

    def open(self) -> bool:
        """Listen for knocks (replacing a crashed instance's door); False with a logged reason."""
        ...

    def close(self) -> None: ...


class UnixSocketDoor(QObject):
    """The knock over a Unix socket, read on the Qt thread as it arrives (never waited for)."""

    knocked = Signal()

    def __init__(self, path: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.path = path
        self._server: socket.socket | None = None
        self._watch: QSocketNotifier | None = None
        self._callers: dict[QSocketNotifier, tuple[socket.socket, bytearray]] = {}

    def knock(self, timeout_ms: int, on_answer: Callable[[], object] = lambda: None) -> bool:
        return knock(self.path, timeout_ms / 1000, on_answer)

    def open(self) -> bool:
        try:
            self._server = listen(self.path)
        except OSError as error:
            log.warning("cannot listen for other launches at %s: %s", self.path, error.strerror or error)
            return False
        self._watch = QSocketNotifier(self._server.fileno(), QSocketNotifier.Type.Read, self)
        self._watch.activated.connect(self._on_watch_activated)
        return True

    def close(self) -> None:
        for notifier in list(self._callers):
            self._hang_up(notifier)
        if self._watch is not None:
            self._watch.setEnabled(False)
            self._watch = None
        if self._server is not None:
            self._server.close()
            self._server = None
            with contextlib.suppress(OSError):
                self.path.unlink()

    def _on_watch_activated(self) -> None:
        assert self._server is not None
        while True:
            try:
                caller, _ = self._server.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as error:
                log.warning("a launch's knock could not be taken: %s", error)
                return
            caller.setblocking(False)
            notifier = QSocketNotifier(caller.fileno(), QSocketNotifier.Type.Read, self)
            notifier.activated.connect(self._on_caller_readable)
            self._callers[notifier] = (caller, bytearray())

    def _on_caller_readable(self) -> None:
        notifier = self.sender()
        if not isinstance(notifier, QSocketNotifier) or notifier not in self._callers:
            return
        caller, said = self._callers[notifier]
        try:
            chunk = caller.recv(64)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            chunk = b""
        said += chunk
        if chunk and b"\n" not in said and len(said) < len(SHOW):
            return  # more to come
        self._hang_up(notifier)
        if said.startswith(SHOW.strip()):
            self.knocked.emit()

    def _hang_up(self, notifier: QSocketNotifier) -> None:
        caller, _ = self._callers.pop(notifier)
        notifier.setEnabled(False)
        notifier.deleteLater()
        caller.close()


def platform_door(name: str, parent: QObject | None = None) -> Door:
    if sys.platform == "win32":
        from .local_server_door import LocalServerDoor

        return LocalServerDoor(name, parent)
    return UnixSocketDoor(socket_path(name), parent)


class SingleInstance(QObject):
    """Owns the instance's lock and door; ``show_requested`` fires when another launch knocks."""

    show_requested = Signal()

    def __init__(
        self,
        data_folder: Path,
        parent: QObject | None = None,
        *,
        lock: InstanceLock | None = None,
        door: Door | None = None,
        pass_foreground: Callable[[], object] = allow_foreground,
    ) -> None:
        """``pass_foreground`` lets the instance a launch knocks on take the foreground (Windows:
        platform/foreground.py); it runs once that instance answers, before the knock."""
        super().__init__(parent)
        self._pass_foreground = pass_foreground
        name = server_name(data_folder)
        self._lock = lock or instance_lock(name)
        self._door = door or platform_door(name, self)
        self._door.knocked.connect(self._on_door_knocked)

    def hand_over(self, timeout_ms: int = 1000) -> bool:
        """If an instance runs, ask it to show its window and return True (then exit)."""
        return self._door.knock(timeout_ms, self._pass_foreground)

    def claim(self, handover_seconds: float = 5.0) -> bool:
        """Become the running instance (False: another one is, and was asked to show its window).

        The lock decides. The loser knocks until the winner listens (it may still be starting),
        for at most ``handover_seconds``. The winner replaces a crashed instance's door.
        """
        if not self._lock.acquire():
            deadline = time.monotonic() + handover_seconds
            while not self.hand_over(200) and time.monotonic() < deadline:
                time.sleep(0.05)  # not on a running event loop: this process is about to exit
            return False
        self._door.open()  # without it this process is still the instance, only without the knock
        return True

    def release(self) -> None:
        """Stop being the instance (at quit): a launch from now on starts afresh."""
        self._door.close()
        self._lock.release()

    def _on_door_knocked(self) -> None:
        log.info("another launch asked to show the window")
        self.show_requested.emit()
