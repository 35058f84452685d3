"""Start at login on Linux and the BSDs: an XDG autostart entry, ~/.config/autostart/algomesh-tray.desktop."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["APP_ID", "XdgAutostart", "desktop_exec", "xdg_autostart_entry"]

#: The desktop entry's id, its icon's name and the console script's.
APP_ID = "algomesh-tray"

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


class XdgAutostart:
    """~/.config/autostart/algomesh-tray.desktop (or under $XDG_CONFIG_HOME for the real home)."""

    def __init__(self, home: Path) -> None:
        self.home = home

    @property
    def entry_path(self) -> Path:
        config = os.environ.get("XDG_CONFIG_HOME") if self.home == Path.home() else None
        return Path(config or self.home / ".config") / "autostart" / f"{APP_ID}.desktop"

    def is_enabled(self) -> bool:
        return self.entry_path.exists()

    def set_enabled(self, enabled: bool, command: list[str]) -> None:
        path = self.entry_path
        if not enabled:
            path.unlink(missing_ok=True)
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(xdg_autostart_entry(command), encoding="utf-8")
