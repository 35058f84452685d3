"""One running app per user and data folder: a second launch hands over and exits.

A double-click on the app while it runs in the tray should show its window, not start a
second listener writing to the same trade log. A lock the OS holds for the process
(instance_lock: a named mutex on Windows, where two servers can listen on one pipe) decides who
runs; the local socket carries the "show your window" knock.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from ..instance_lock import InstanceLock, instance_lock

__all__ = ["SingleInstance"]

log = logging.getLogger(__name__)

_SHOW = b"show\n"


def _server_name(data_folder: Path) -> str:
    user = os.environ.get("USER") or os.environ.get("USERNAME") or str(os.getuid() if hasattr(os, "getuid") else "")
    digest = hashlib.sha256(f"{user}:{data_folder}".encode()).hexdigest()[:16]
    return f"algomesh-tray-{digest}"


class SingleInstance(QObject):
    """Owns the instance's local socket; ``show_requested`` fires when another launch knocks."""

    show_requested = Signal()

    def __init__(self, data_folder: Path, parent: QObject | None = None, *, lock: InstanceLock | None = None) -> None:
        super().__init__(parent)
        self._name = _server_name(data_folder)
        self._lock = lock or instance_lock(self._name)
        self._server = QLocalServer(self)
        self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self._server.newConnection.connect(self._on_server_new_connection)

    def hand_over(self, timeout_ms: int = 1000) -> bool:
        """If an instance runs, ask it to show its window and return True (then exit)."""
        socket = QLocalSocket()
        socket.connectToServer(self._name)
        if not socket.waitForConnected(timeout_ms):
            return False
        socket.write(_SHOW)
        socket.waitForBytesWritten(timeout_ms)
        socket.disconnectFromServer()
        return True

    def claim(self, handover_seconds: float = 5.0) -> bool:
        """Become the running instance (False: another one is, and was asked to show its window).

        The lock decides. The loser knocks until the winner listens (it may still be starting),
        for at most ``handover_seconds``. The winner removes a crashed instance's stale socket.
        """
        if not self._lock.acquire():
            deadline = time.monotonic() + handover_seconds
            while not self.hand_over(200) and time.monotonic() < deadline:
                time.sleep(0.05)  # not on a running event loop: this process is about to exit
            return False
        if self._server.listen(self._name):
            return True
        QLocalServer.removeServer(self._name)
        if self._server.listen(self._name):
            return True
        log.warning("cannot listen for other launches: %s", self._server.errorString())
        return True  # this process holds the lock: it is the instance, only without the knock

    def release(self) -> None:
        """Stop being the instance (at quit): a launch from now on starts afresh."""
        self._server.close()
        self._lock.release()

    def _on_server_new_connection(self) -> None:
        while (connection := self._server.nextPendingConnection()) is not None:
            # A bound method, not a lambda holding the socket: such a cycle crashed at interpreter exit.
            connection.readyRead.connect(self._on_connection_ready_read)
            connection.disconnected.connect(connection.deleteLater)

    def _on_connection_ready_read(self) -> None:
        connection = self.sender()
        if not isinstance(connection, QLocalSocket):
            return
        if bytes(connection.readAll().data()).startswith(_SHOW.strip()):
            log.info("another launch asked to show the window")
            self.show_requested.emit()
