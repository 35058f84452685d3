"""The knock over a QLocalServer named pipe: Windows, where Python has no AF_UNIX.

Imported only there (qt/single_instance.platform_door): QtNetwork costs 2.8 MB of memory. Qt
runs the same class over a Unix socket elsewhere, so the tests run it here too.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from ..platform.instance_socket import SHOW

__all__ = ["LocalServerDoor"]

log = logging.getLogger(__name__)


class LocalServerDoor(QObject):
    """A local server only this user may connect to; a knock is a line saying "show"."""

    knocked = Signal()

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._name = name
        self._server = QLocalServer(self)
        self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self._server.newConnection.connect(self._on_server_new_connection)

    def knock(self, timeout_ms: int, on_answer: Callable[[], object] = lambda: None) -> bool:
        caller = QLocalSocket()
        caller.connectToServer(self._name)
        if not caller.waitForConnected(timeout_ms):
            return False
        on_answer()
        caller.write(SHOW)
        caller.waitForBytesWritten(timeout_ms)
        caller.disconnectFromServer()
        return True

    def open(self) -> bool:
        if self._server.listen(self._name):
            return True
        QLocalServer.removeServer(self._name)  # a crashed instance's (the lock says it is gone)
        if self._server.listen(self._name):
            return True
        log.warning("cannot listen for other launches: %s", self._server.errorString())
        return False

    def close(self) -> None:
        self._server.close()

    def _on_server_new_connection(self) -> None:
        while (connection := self._server.nextPendingConnection()) is not None:
            # A bound method, not a lambda holding the socket: such a cycle crashed at interpreter exit.
            connection.readyRead.connect(self._on_connection_ready_read)
            connection.disconnected.connect(connection.deleteLater)

    def _on_connection_ready_read(self) -> None:
        connection = self.sender()
        if not isinstance(connection, QLocalSocket):
            return
        if bytes(connection.readAll().data()).startswith(SHOW.strip()):
            self.knocked.emit()
