"""Doubles of the Windows parts that cannot run here, failing the way the real ones do.

Each follows the real source or documentation named in its docstring: plyer's balloon
(plyer/platforms/win/libs/balloontip.py), the ``winreg`` module (Python docs and the Win32
registry API), the kernel32 mutex calls (CreateMutexW, GetLastError, CloseHandle) and user32's
AllowSetForegroundWindow.
"""

from __future__ import annotations

import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

__all__ = ["Kernel32", "PlyerWindowsBalloon", "Registry", "User32", "loads_as_icon"]


def loads_as_icon(path: str) -> bool:
    """What LoadImageW(IMAGE_ICON, LR_LOADFROMFILE) accepts: an ICO file with sound entries.

    It reads no SVG or PNG file: for those (and a missing file) it returns NULL.
    """
    try:
        data = Path(path).read_bytes()
    except OSError:
        return False
    if len(data) < 6:
        return False
    reserved, kind, count = struct.unpack_from("<HHH", data)
    if reserved != 0 or kind != 1 or count == 0 or len(data) < 6 + 16 * count:
        return False
    for index in range(count):
        _w, _h, _colours, _zero, _planes, _bits, size, offset = struct.unpack_from("<BBBBHHII", data, 6 + 16 * index)
        if size == 0 or offset + size > len(data):
            return False
    return True


class PlyerWindowsBalloon:
    """plyer's Windows notification backend, as it behaves on Windows.

    ``balloon_tip(**kwargs)`` is plyer's function: it loads the icon as LoadImageW does (raising
    ``Exception("Could not load icon …")`` for anything but an ICO), shows the balloon, then stays
    in the call for ``timeout`` seconds (here: until ``release`` is set) before removing it.
    ``notify(**kwargs)`` is plyer's facade (WindowsNotification._notify): it starts a thread of
    its own on balloon_tip and returns, so that thread's exception never reaches the caller.
    """

    def __init__(self) -> None:
        self.shown: list[dict[str, Any]] = []
        self.threads: list[threading.Thread] = []
        self.release = threading.Event()
        self._lock = threading.Lock()

    def balloon_tip(
        self, *, title: str, message: str, app_name: str, app_icon: str = "", timeout: float = 10, **kwargs: Any
    ) -> None:
        with self._lock:
            self.threads.append(threading.current_thread())
        if app_icon and not loads_as_icon(app_icon):
            raise Exception(f"Could not load icon {app_icon}")
        with self._lock:
            self.shown.append({"title": title, "message": message, "app_name": app_name, "app_icon": app_icon})
        if timeout:
            self.release.wait(timeout)

    def notify(self, **kwargs: Any) -> None:
        threading.Thread(target=self.balloon_tip, kwargs=kwargs).start()


HKEY_CURRENT_USER = 0x80000001
KEY_QUERY_VALUE, KEY_SET_VALUE, KEY_CREATE_SUB_KEY = 0x1, 0x2, 0x4
KEY_READ, KEY_WRITE, KEY_ALL_ACCESS = 0x20019, 0x20006, 0xF003F
REG_SZ, REG_BINARY, REG_DWORD = 1, 3, 4


def _win_error(kind: type[OSError], winerror: int, text: str) -> OSError:
    error = kind(None, text)
    error.winerror = winerror  # type: ignore[attr-defined]
    return error


class _Key:
    """A PyHKEY: a context manager; unusable once closed (WinError 6)."""

    def __init__(self, path: str, access: int) -> None:
        self.path, self.access, self.closed = path, access, False

    def __enter__(self) -> _Key:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.Close()

    def Close(self) -> None:
        self.closed = True


class Registry:
    """The parts of ``winreg`` autostart uses, over an in-memory HKEY_CURRENT_USER.

    As the real one: key paths and value names are case-insensitive; a missing key or value
    raises FileNotFoundError ([WinError 2]); writing through a handle opened read-only raises
    PermissionError ([WinError 5]); CreateKey makes every missing key on the way.
    """

    HKEY_CURRENT_USER = HKEY_CURRENT_USER
    KEY_QUERY_VALUE, KEY_SET_VALUE, KEY_READ, KEY_WRITE, KEY_ALL_ACCESS = (
        KEY_QUERY_VALUE,
        KEY_SET_VALUE,
        KEY_READ,
        KEY_WRITE,
        KEY_ALL_ACCESS,
    )
    REG_SZ, REG_BINARY, REG_DWORD = REG_SZ, REG_BINARY, REG_DWORD

    def __init__(self) -> None:
        #: lower-cased key path -> {lower-cased value name: (name, data, type)}
        self.keys: dict[str, dict[str, tuple[str, object, int]]] = {}

    # -- the test's view -------------------------------------------------------------------
    def values(self, path: str) -> dict[str, object]:
        """The values under ``path`` by their names as written (empty if no such key)."""
        return {name: data for name, data, _kind in self.keys.get(path.lower(), {}).values()}

    def put(self, path: str, name: str, data: object, kind: int) -> None:
        """Write a value as another program would (Windows' Startup apps page, an installer)."""
        self._create(path)
        self.keys[path.lower()][name.lower()] = (name, data, kind)

    # -- winreg ----------------------------------------------------------------------------
    def _create(self, path: str) -> None:
        parts = path.split("\\")
        for end in range(1, len(parts) + 1):
            self.keys.setdefault("\\".join(parts[:end]).lower(), {})

    def _check(self, key: _Key, needed: int) -> dict[str, tuple[str, object, int]]:
        if key.closed:
            raise _win_error(OSError, 6, "The handle is invalid")
        if key.access & needed != needed:
            raise _win_error(PermissionError, 5, "Access is denied")
        return self.keys[key.path.lower()]

    def OpenKey(self, root: int, path: str, reserved: int = 0, access: int = KEY_READ) -> _Key:
        assert root == HKEY_CURRENT_USER and reserved == 0
        if path.lower() not in self.keys:
            raise _win_error(FileNotFoundError, 2, "The system cannot find the file specified")
        return _Key(path, access)

    def CreateKey(self, root: int, path: str) -> _Key:
        assert root == HKEY_CURRENT_USER
        self._create(path)
        return _Key(path, KEY_ALL_ACCESS)

    def QueryValueEx(self, key: _Key, name: str) -> tuple[object, int]:
        values = self._check(key, KEY_QUERY_VALUE)
        if name.lower() not in values:
            raise _win_error(FileNotFoundError, 2, "The system cannot find the file specified")
        _name, data, kind = values[name.lower()]
        return data, kind

    def SetValueEx(self, key: _Key, name: str, reserved: int, kind: int, data: object) -> None:
        values = self._check(key, KEY_SET_VALUE)
        if kind == REG_SZ and not isinstance(data, str):
            raise ValueError("Could not convert the data to the specified type.")
        if kind == REG_BINARY and not isinstance(data, bytes | None):
            raise TypeError("Objects of type 'str' can not be used as binary registry values")
        values[name.lower()] = (name, data, kind)

    def DeleteValue(self, key: _Key, name: str) -> None:
        values = self._check(key, KEY_SET_VALUE)
        if name.lower() not in values:
            raise _win_error(FileNotFoundError, 2, "The system cannot find the file specified")
        del values[name.lower()]


ERROR_ALREADY_EXISTS = 183


class Kernel32:
    """CreateMutexW, GetLastError and CloseHandle as Windows runs them, for one session.

    CreateMutexW with a name that exists returns a handle to the same mutex and sets the last
    error to ERROR_ALREADY_EXISTS (183); the mutex lives while any handle to it is open; a name
    in use by another kind of object gives NULL and ERROR_INVALID_HANDLE (6).
    """

    def __init__(self) -> None:
        self.open_handles: dict[int, str] = {}
        self.other_objects: set[str] = set()
        self._next = 4
        self._last_error = 0

    def _names(self) -> set[str]:
        return set(self.open_handles.values())

    def CreateMutexW(self, attributes: object, initial_owner: bool, name: str) -> int:
        if name in self.other_objects:
            self._last_error = 6
            return 0
        self._last_error = ERROR_ALREADY_EXISTS if name in self._names() else 0
        handle, self._next = self._next, self._next + 4
        self.open_handles[handle] = name
        return handle

    def GetLastError(self) -> int:
        return self._last_error

    def CloseHandle(self, handle: int) -> int:
        if self.open_handles.pop(handle, None) is None:
            self._last_error = 6
            return 0
        return 1

    @contextmanager
    def another_process(self, name: str) -> Iterator[int]:
        """Hold the named mutex as another running instance would."""
        handle = self.CreateMutexW(None, False, name)
        try:
            yield handle
        finally:
            self.CloseHandle(handle)


ERROR_ACCESS_DENIED = 5


class User32:
    """AllowSetForegroundWindow as Windows documents it.

    It succeeds (non-zero) only for a process that may itself set the foreground window (one the
    user just started, or the foreground process); otherwise it returns 0 and the last error is
    ERROR_ACCESS_DENIED. ``on_call`` runs at each call, for a test to see what had happened by then.
    """

    def __init__(self, *, may_set_foreground: bool = True, on_call: Any = None) -> None:
        self.may_set_foreground = may_set_foreground
        self.calls: list[int] = []
        self.last_error = 0
        self._on_call = on_call

    def AllowSetForegroundWindow(self, process_id: int) -> int:
        assert 0 <= process_id <= 0xFFFFFFFF, "a DWORD"
        self.calls.append(process_id)
        if self._on_call is not None:
            self._on_call()
        if not self.may_set_foreground:
            self.last_error = ERROR_ACCESS_DENIED
            return 0
        return 1
