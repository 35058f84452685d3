"""Start at login, the way each platform expects it. No Qt.

Linux: an XDG autostart entry (~/.config/autostart/algomesh-tray.desktop). Windows: a value
under HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run, which the system's Startup apps
page can switch off without removing (Explorer\\StartupApproved\\Run): both are read and cleared.
macOS: a LaunchAgent plist in ~/Library/LaunchAgents that opens the app by its bundle id, so it
survives the app being moved. The entry itself is the state: there is nothing to keep in settings.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
from pathlib import Path
from typing import Any

__all__ = [
    "Autostart",
    "desktop_exec",
    "launch_agent_plist",
    "launch_command",
    "mac_app_bundle",
    "startup_approved_disabled",
    "translocation_problem",
    "xdg_autostart_entry",
]

APP_ID = "algomesh-tray"
LAUNCH_AGENT_LABEL = "com.algomesh.tray"
RUN_KEY = r"Software\Microsoft\Windows\CurrentVersion\Run"
RUN_VALUE = "AlgoMesh Tray"
#: Where Windows' Startup apps page (and Task Manager's Startup tab) records "Disabled" for a Run value.
STARTUP_APPROVED_KEY = r"Software\Microsoft\Windows\CurrentVersion\Explorer\StartupApproved\Run"


def mac_app_bundle(executable: str) -> Path | None:
    """The .app a macOS executable belongs to (…/X.app/Contents/MacOS/exe), or None."""
    path = Path(executable)
    if path.parent.name == "MacOS" and path.parent.parent.name == "Contents" and path.parents[2].suffix == ".app":
        return path.parents[2]
    return None


def translocation_problem(executable: str) -> str | None:
    """Why start at login cannot point at this copy of the app (None: it can).

    macOS runs an app opened where it was downloaded or unzipped (quarantined, not moved) from a
    read-only random path under AppTranslocation, gone after a restart.
    """
    if "/AppTranslocation/" not in executable:
        return None
    return (
        "macOS is running AlgoMesh Tray from a temporary copy because it was opened where it was "
        "downloaded. Move AlgoMesh Tray to the Applications folder, open it from there, then turn "
        "start at login on again"
    )


def launch_command(
    *, executable: str | None = None, frozen: bool | None = None, platform: str = sys.platform
) -> list[str]:
    """How to start this very installation again: the bundle's executable, or the console script.

    A macOS .app is opened by its bundle id (``open -b``): LaunchServices finds it wherever it
    has been moved since, and starts it as a real app (not a bare process).
    """
    executable = executable or sys.executable
    if getattr(sys, "frozen", False) if frozen is None else frozen:
        if platform == "darwin" and mac_app_bundle(executable) is not None:
            return ["/usr/bin/open", "-b", LAUNCH_AGENT_LABEL]
        return [executable]
    script = shutil.which(APP_ID, path=str(Path(sys.executable).parent)) or shutil.which(APP_ID)
    return [script] if script else [sys.executable, "-m", "algomesh_tray"]


_DESKTOP_RESERVED = set(" \t\n\"'\\><~|&;$*?#()`")


def desktop_exec(command: list[str]) -> str:
    """An Exec= value per the Desktop Entry spec: double quotes, then the string escapes."""
    parts = []
    for argument in command:
        argument = argument.replace("%", "%%")
        if _DESKTOP_RESERVED & set(argument):
            quoted = "".join("\\" + c if c in '"`$\\' else c for c in argument)
            argument = f'"{quoted}"'
        parts.append(argument.replace("\\", "\\\\"))
    return " ".join(parts)


def xdg_autostart_entry(command: list[str]) -> str:
    """The freedesktop.org autostart entry for ``command``."""
    return (
        "[Desktop Entry]\n"
        "Type=Application\n"
        "Name=AlgoMesh Tray\n"
        "Comment=Desktop notifications for the AlgoMesh trading engine\n"
        f"Exec={desktop_exec(command)}\n"
        f"Icon={APP_ID}\n"
        "Terminal=false\n"
        "X-GNOME-Autostart-enabled=true\n"
    )


def launch_agent_plist(command: list[str]) -> bytes:
    """A per-user LaunchAgent that starts ``command`` at login, once."""
    import plistlib  # macOS only: its XML parser (pyexpat, 5 modules) is not loaded elsewhere

    return plistlib.dumps(
        {"Label": LAUNCH_AGENT_LABEL, "ProgramArguments": command, "RunAtLoad": True, "ProcessType": "Interactive"}
    )


def _windows_command(command: list[str]) -> str:
    return " ".join(f'"{part}"' if " " in part else part for part in command)


def startup_approved_disabled(data: object) -> bool:
    """Whether a StartupApproved\\Run value says "Disabled".

    Windows writes 12 bytes: 02 (or 06) and zeros when enabled, 03 (or 07) and the time it was
    switched off when disabled; the lowest bit of the first byte is the switch. Anything else
    (no value, another type) leaves the Run value in charge, as Windows does.
    """
    return isinstance(data, bytes) and len(data) >= 1 and bool(data[0] & 1)


class Autostart:
    """Turns start-at-login on and off for this platform.

    ``home``, ``executable`` and ``registry`` (a module like ``winreg``) are overridable for tests.
    """

    def __init__(
        self,
        *,
        platform: str = sys.platform,
        home: Path | None = None,
        executable: str | None = None,
        registry: Any = None,
    ) -> None:
        self.platform = platform
        self.home = home or Path.home()
        self.executable = executable or sys.executable
        self._registry = registry

    @property
    def entry_path(self) -> Path | None:
        """The file that makes it start (None on Windows, where it is a registry value)."""
        if self.platform.startswith("linux") or self.platform.startswith("freebsd"):
            config = os.environ.get("XDG_CONFIG_HOME") if self.home == Path.home() else None
            return Path(config or self.home / ".config") / "autostart" / f"{APP_ID}.desktop"
        if self.platform == "darwin":
            return self.home / "Library" / "LaunchAgents" / f"{LAUNCH_AGENT_LABEL}.plist"
        return None

    def is_enabled(self) -> bool:
        """Whether it will start at login: on Windows, also not switched off in Startup apps."""
        if self.platform == "win32":
            return self._read_run_value() is not None and not startup_approved_disabled(self._read_approval())
        path = self.entry_path
        return path is not None and path.exists()

    def set_enabled(self, enabled: bool, command: list[str] | None = None) -> None:
        """Write or remove the entry; raises OSError with the platform's reason on failure."""
        if self.platform == "darwin" and enabled and (problem := translocation_problem(self.executable)):
            raise OSError(problem)
        command = command or launch_command(executable=self.executable, platform=self.platform)
        if self.platform == "win32":
            self._write_run_value(_windows_command(command) if enabled else None)
            return
        path = self.entry_path
        if path is None:
            raise OSError(f"start at login is not supported on {self.platform}")
        if not enabled:
            path.unlink(missing_ok=True)
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        if self.platform == "darwin":
            path.write_bytes(launch_agent_plist(command))
        else:
            path.write_text(xdg_autostart_entry(command), encoding="utf-8")

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
