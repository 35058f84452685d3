"""A lock only one running app per user and data folder can hold, released by the OS at exit.

Windows: a named mutex (CreateMutexW). Two processes can both listen on one named pipe there (Qt
documents it), so the local socket alone lets two quick double-clicks both run. POSIX: flock on
a file in the user's runtime folder; a crashed instance's lock goes with it, unlike a stale
socket file two launches could both remove and replace. The file itself is removed at a clean
exit (the runtime folder may be /tmp, which nothing else tidies); a killed instance's file stays,
unlocked, and the next launch simply locks it. Plus, on Windows, one fixed-name mutex every
instance holds, for the installer (Inno Setup's AppMutex) to see the app running. No Qt.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from .instance_socket import runtime_folder

__all__ = ["ERROR_ALREADY_EXISTS", "INSTALLER_MUTEX", "FileLock", "InstanceLock", "MutexLock", "instance_lock"]

log = logging.getLogger(__name__)

#: Inno Setup's AppMutex names this: setup and uninstall ask to close the app while it exists.
INSTALLER_MUTEX = "AlgoMeshTray"
ERROR_ALREADY_EXISTS = 183


class InstanceLock(Protocol):
    def acquire(self) -> bool:
        """True: this process holds it now (or cannot tell: never stop a start on a lock's failure)."""
        ...

    def release(self) -> None: ...


class MutexLock:
    """Named mutexes: the first in ``names`` decides, the rest are only held (the installer's).

    ``kernel32`` and ``last_error`` stand in for ``ctypes.WinDLL("kernel32", use_last_error=True)``
    and ``ctypes.get_last_error`` (tests pass a double that behaves as Windows does).
    """

    def __init__(self, names: list[str], *, kernel32: Any = None, last_error: Callable[[], int] | None = None) -> None:
        if kernel32 is None:  # pragma: no cover - Windows only
            import ctypes
            from ctypes import wintypes

            kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)  # type: ignore[attr-defined,unused-ignore]
            kernel32.CreateMutexW.restype = wintypes.HANDLE
            kernel32.CreateMutexW.argtypes = (wintypes.LPVOID, wintypes.BOOL, wintypes.LPCWSTR)
            kernel32.CloseHandle.argtypes = (wintypes.HANDLE,)
            last_error = ctypes.get_last_error  # type: ignore[attr-defined,unused-ignore]
        assert last_error is not None
        self._names = names
        self._kernel32 = kernel32
        self._last_error = last_error
        self._handles: list[int] = []

    def acquire(self) -> bool:
        for index, name in enumerate(self._names):
            handle = self._kernel32.CreateMutexW(None, False, name)
            error = self._last_error()
            if not handle:
                log.warning("cannot create the mutex %s (Windows error %d)", name, error)
                continue
            if index == 0 and error == ERROR_ALREADY_EXISTS:
                self._kernel32.CloseHandle(handle)  # the running instance keeps it alive
                return False
            self._handles.append(handle)
        return True

    def release(self) -> None:
        while self._handles:
            self._kernel32.CloseHandle(self._handles.pop())


class FileLock:
    """flock on ``path``: held while the file stays open; the kernel drops it when the process dies.

    The holder removes the file when it lets go, while still holding it. A launch that opened the
    file just before may then lock that removed file: it checks that what it locked is still the
    file at ``path``, and else opens ``path`` afresh, so two launches never both win.
    """

    #: Opens of a file that was removed under us before giving up on the lock (never in practice).
    ATTEMPTS = 10

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> bool:
        for _ in range(self.ATTEMPTS):
            try:
                self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            except OSError as error:
                log.warning("cannot create the lock file %s (%s): relying on the local socket alone", self.path, error)
                return True
            locked = self._lock(fd)
            if locked is not True:
                os.close(fd)
                return locked is None  # None: no lock to be had here (a start is never stopped for it)
            if self._is_the_file(fd):
                self._fd = fd
                return True
            os.close(fd)  # its holder removed it on quitting: the lock is now the file at the path
        log.warning("the lock file %s kept being replaced: relying on the local socket alone", self.path)
        return True

    def _lock(self, fd: int) -> bool | None:
        """True: locked; False: another process holds it; None: this file system has no locks."""
        import fcntl

        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        except OSError as error:
            log.warning("cannot lock %s (%s): relying on the local socket alone", self.path, error)
            return None
        return True

    def _is_the_file(self, fd: int) -> bool:
        try:
            now = os.stat(self.path)
        except OSError:
            return False
        held = os.fstat(fd)
        return (held.st_dev, held.st_ino) == (now.st_dev, now.st_ino)

    def release(self) -> None:
        """Remove the file, then let go: removed while held, no launch can be left holding it alone."""
        if self._fd is not None:
            with contextlib.suppress(OSError):
                if self._is_the_file(self._fd):
                    self.path.unlink()
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None


def instance_lock(
    name: str, *, platform: str = sys.platform, kernel32: Any = None, last_error: Callable[[], int] | None = None
) -> InstanceLock:
    """The lock for the instance called ``name`` on this platform."""
    if platform == "win32":
        # Local\: this session's namespace, like the pipe; each user's session is its own.
        return MutexLock([f"Local\\{name}", INSTALLER_MUTEX], kernel32=kernel32, last_error=last_error)
    return FileLock(runtime_folder() / f"{name}.lock")
