"""Start at login, the way each platform expects it: one module per platform behind one chooser
(``Autostart``). No Qt.

Linux: an XDG autostart entry (linux.py). Windows: the Run value and its Startup apps twin
(windows.py). macOS: a LaunchAgent that opens the app by its bundle id (macos.py). The entry
itself is the state: there is nothing to keep in settings. Only this platform's module is imported.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any, Protocol

from .linux import APP_ID, XdgAutostart, desktop_exec, xdg_autostart_entry

__all__ = ["APP_ID", "Autostart", "desktop_exec", "launch_command", "xdg_autostart_entry"]


class _Entry(Protocol):
    """What makes the app start at login on one platform."""

    @property
    def entry_path(self) -> Path | None: ...

    def is_enabled(self) -> bool: ...

    def set_enabled(self, enabled: bool, command: list[str]) -> None: ...


def launch_command(
    *, executable: str | None = None, frozen: bool | None = None, platform: str = sys.platform
) -> list[str]:
    """How to start this very installation again: the bundle's executable, or the console script.

    A macOS .app is opened by its bundle id (``open -b``): LaunchServices finds it wherever it
    has been moved since, and starts it as a real app (not a bare process).
    """
    executable = executable or sys.executable
    if getattr(sys, "frozen", False) if frozen is None else frozen:
        if platform == "darwin":
            from .macos import LAUNCH_AGENT_LABEL, mac_app_bundle

            if mac_app_bundle(executable) is not None:
                return ["/usr/bin/open", "-b", LAUNCH_AGENT_LABEL]
        return [executable]
    script = shutil.which(APP_ID, path=str(Path(sys.executable).parent)) or shutil.which(APP_ID)
    return [script] if script else [sys.executable, "-m", "algomesh_tray"]


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
        self._entry = self._entry_for(registry)

    def _entry_for(self, registry: Any) -> _Entry | None:
        if self.platform.startswith("linux") or self.platform.startswith("freebsd"):
            return XdgAutostart(self.home)
        if self.platform == "darwin":
            from .macos import LaunchAgent

            return LaunchAgent(self.home, self.executable)
        if self.platform == "win32":
            from .windows import RunValue

            return RunValue(registry)
        return None

    @property
    def entry_path(self) -> Path | None:
        """The file that makes it start (None on Windows, where it is a registry value)."""
        return None if self._entry is None else self._entry.entry_path

    def is_enabled(self) -> bool:
        """Whether it will start at login: on Windows, also not switched off in Startup apps."""
        return self._entry is not None and self._entry.is_enabled()

    def set_enabled(self, enabled: bool, command: list[str] | None = None) -> None:
        """Write or remove the entry; raises OSError with the platform's reason on failure."""
        if self._entry is None:
            raise OSError(f"start at login is not supported on {self.platform}")
        self._entry.set_enabled(enabled, command or launch_command(executable=self.executable, platform=self.platform))

    def follow_the_app(self) -> bool:
        """macOS: write the login agent again if the app was moved since it was written (see
        LaunchAgent.follow_the_app); elsewhere nothing to do. Whether it was rewritten."""
        if self.platform != "darwin":
            return False
        from .macos import LaunchAgent, mac_app_bundle

        if not isinstance(self._entry, LaunchAgent):
            return False
        bundled = mac_app_bundle(self.executable) is not None or None  # a .app's executable is a frozen app
        command = launch_command(executable=self.executable, frozen=bundled, platform=self.platform)
        return self._entry.follow_the_app(command)
