"""Where the app keeps its files: the platform's folders, or one folder chosen by the user.

``--data-dir DIR`` (or ALGOMESH_TRAY_DATA_DIR) puts settings, trade log and log file in DIR,
which keeps tests and second profiles off the user's real data.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

import platformdirs

__all__ = ["APP_NAME", "DATA_DIR_ENV", "AppPaths", "aside_path"]

APP_NAME = "algomesh-tray"
DATA_DIR_ENV = "ALGOMESH_TRAY_DATA_DIR"


@dataclass(frozen=True, slots=True)
class AppPaths:
    """The app's files; folders are created on first use, with their parents."""

    settings_file: Path
    trade_log: Path
    log_file: Path

    @classmethod
    def resolve(cls, data_dir: str | os.PathLike[str] | None = None) -> AppPaths:
        """From the argument, else the environment variable, else the platform's folders."""
        chosen = data_dir or os.environ.get(DATA_DIR_ENV)
        if chosen:
            root = Path(chosen).expanduser().resolve()
            return cls(root / "settings.json", root / "trades.sqlite3", root / "algomesh-tray.log")
        dirs = platformdirs.PlatformDirs(APP_NAME, appauthor=False)
        return cls(
            Path(dirs.user_config_dir) / "settings.json",
            Path(dirs.user_data_dir) / "trades.sqlite3",
            Path(dirs.user_log_dir) / "algomesh-tray.log",
        )


def aside_path(path: Path) -> Path:
    """Where to keep a damaged file: next to it, named for when, never over an earlier one."""
    stem = f"{path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}"
    candidate, number = path.with_name(stem), 1
    while candidate.exists() or Path(f"{candidate}-wal").exists():
        number += 1
        candidate = path.with_name(f"{stem}-{number}")
    return candidate
