"""Start at login on Windows: a value under HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run, which the
system's Startup apps page can switch off without removing it (Explorer\\StartupApproved\\Run): both
are read, and both are cleared."""

from __future__ import annotations

import contextlib
import sys
from typing import Any

__all__ = ["RUN_KEY", "RUN_VALUE", "STARTUP_APPROVED_KEY", "RunValue", "startup_approved_disabled"]

RUN_KEY = r"Software\Microsoft\Windows\CurrentVersion\Run"
RUN_VALUE = "AlgoMesh Tray"
#: Where Windows' Startup apps page (and Task Manager's Startup tab) records "Disabled" for a Run value.
STARTUP_APPROVED_KEY = r"Software\Microsoft\Windows\CurrentVersion\Explorer\StartupApproved\Run"


def _windows_command(command: list[str]) -> str:
    return " ".join(f'"{part}"' if " " in part else part for part in command)


def startup_approved_disabled(data: object) -> bool:
    """Whether a StartupApproved\\Run value says "Disabled".

    Windows writes 12 bytes: 02 (or 06) and zeros when enabled, 03 (or 07) and the time it was
    switched off when disabled; the lowest bit of the first byte is the switch. Anything else
    (no value, another type) leaves the Run value in charge, as Windows does.
    """
    return isinstance(data, bytes) and len(data) >= 1 and bool(data[0] & 1)


class RunValue:
    """This user's Run value, and the "Disabled" Windows' Startup apps page may keep beside it.

    ``registry``: a module like ``winreg`` (tests pass a double that fails as the real API does).
    """

    entry_path = None  # a registry value, not a file

    def __init__(self, registry: Any = None) -> None:
        self._registry = registry

    def is_enabled(self) -> bool:
        return self._read_run_value() is not None and not startup_approved_disabled(self._read_approval())

    def set_enabled(self, enabled: bool, command: list[str]) -> None:
        self._write_run_value(_windows_command(command) if enabled else None)

    def _winreg(self) -> Any:
        if self._registry is None:
            if sys.platform != "win32":
                raise OSError("the Run key exists only on Windows")
            import winreg

            self._registry = winreg
        return self._registry

    def _read_run_value(self) -> str | None:
        winreg = self._winreg()
        try:
            with winreg.OpenKey(winreg.HKEY_CURRENT_USER, RUN_KEY) as key:
                return str(winreg.QueryValueEx(key, RUN_VALUE)[0])
        except OSError:  # FileNotFoundError: no key or value; anything else: not ours to read
            return None

    def _read_approval(self) -> object:
        winreg = self._winreg()
        try:
            with winreg.OpenKey(winreg.HKEY_CURRENT_USER, STARTUP_APPROVED_KEY) as key:
                return winreg.QueryValueEx(key, RUN_VALUE)[0]
        except OSError:
            return None

    def _write_run_value(self, value: str | None) -> None:
        """Write (or delete) the Run value, and clear a "Disabled" left in Startup apps either way.

        Turning it on here is the user's latest word: a leftover Disabled would make the
        checkbox lie. Without a StartupApproved value Windows runs the Run value.
        """
        winreg = self._winreg()
        with winreg.CreateKey(winreg.HKEY_CURRENT_USER, RUN_KEY) as key:
            if value is None:
                with contextlib.suppress(FileNotFoundError):
                    winreg.DeleteValue(key, RUN_VALUE)
            else:
                winreg.SetValueEx(key, RUN_VALUE, 0, winreg.REG_SZ, value)
        try:
            with winreg.OpenKey(winreg.HKEY_CURRENT_USER, STARTUP_APPROVED_KEY, 0, winreg.KEY_SET_VALUE) as key:
                winreg.DeleteValue(key, RUN_VALUE)
        except FileNotFoundError:
            pass  # no such key or value: nothing was switched off
