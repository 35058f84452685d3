"""Start at login, the way each platform expects it. No Qt.

Linux: an XDG autostart entry (~/.config/autostart/algomesh-tray.desktop). Windows: a value
under HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run. macOS: a LaunchAgent plist in
~/Library/LaunchAgents. The entry itself is the state: there is nothing to keep in settings.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
from pathlib import Path

__all__ = ["Autostart", "desktop_exec", "launch_agent_plist", "launch_command", "xdg_autostart_entry"]

APP_ID = "algomesh-tray"
LAUNCH_AGENT_LABEL = "com.algomesh.tray"
RUN_KEY = r"Software\Microsoft\Windows\CurrentVersion\Run"
RUN_VALUE = "AlgoMesh Tray"


def launch_command() -> list[str]:
    """How to start this very installation again: the bundle's executable, or the console script."""
    if getattr(sys, "frozen", False):
        return [sys.executable]
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


class Autostart:
    """Turns start-at-login on and off for this platform; ``home`` is overridable for tests."""

    def __init__(self, *, platform: str = sys.platform, home: Path | None = None) -> None:
        self.platform = platform
        self.home = home or Path.home()

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
        if self.platform == "win32":
            return self._read_run_value() is not None
        path = self.entry_path
        return path is not None and path.exists()

    def set_enabled(self, enabled: bool, command: list[str] | None = None) -> None:
        """Write or remove the entry; raises OSError with the platform's reason on failure."""
        command = command or launch_command()
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

    def _read_run_value(self) -> str | None:  # pragma: no cover - Windows only
        if sys.platform != "win32":
            raise OSError("the Run key exists only on Windows")
        import winreg

        try:
            with winreg.OpenKey(winreg.HKEY_CURRENT_USER, RUN_KEY) as key:
                return str(winreg.QueryValueEx(key, RUN_VALUE)[0])
        except OSError:
            return None

    def _write_run_value(self, value: str | None) -> None:  # pragma: no cover - Windows only
        if sys.platform != "win32":
            raise OSError("the Run key exists only on Windows")
        import winreg

        with winreg.CreateKey(winreg.HKEY_CURRENT_USER, RUN_KEY) as key:
            if value is None:
                with contextlib.suppress(FileNotFoundError):
                    winreg.DeleteValue(key, RUN_VALUE)
            else:
                winreg.SetValueEx(key, RUN_VALUE, 0, winreg.REG_SZ, value)
