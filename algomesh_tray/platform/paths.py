"""Where the app keeps its files: the platform's folders, or one folder chosen by the user.

``--data-dir DIR`` (or ALGOMESH_TRAY_DATA_DIR) puts settings, trade log and log file in DIR,
which keeps tests and second profiles off the user's real data.

Private by default (POSIX): folders the app makes are 0700 and its files 0600, whatever the umask;
a year of someone's trading is nobody else's business. Folders the user chose are left as made.
"""

from __future__ import annotations

import contextlib
import logging
import os
import stat
import time
from dataclasses import dataclass
from pathlib import Path

import platformdirs

__all__ = [
    "APP_NAME",
    "DATA_DIR_ENV",
    "AppPaths",
    "PrivateRotatingFileHandler",
    "aside_path",
    "create_private_file",
    "make_private_file",
    "make_private_folder",
    "readable_by_others",
]

APP_NAME = "algomesh-tray"
DATA_DIR_ENV = "ALGOMESH_TRAY_DATA_DIR"


@dataclass(frozen=True, slots=True)
class AppPaths:
    """The app's files; folders are created on first use, with their parents."""

    settings_file: Path
    trade_log: Path
    log_file: Path
    #: The folder was named by the user (--data-dir): its permissions are theirs to choose.
    chosen: bool = False

    @classmethod
    def resolve(cls, data_dir: str | os.PathLike[str] | None = None) -> AppPaths:
        """From the argument, else the environment variable, else the platform's folders."""
        chosen = data_dir or os.environ.get(DATA_DIR_ENV)
        if chosen:
            root = Path(chosen).expanduser().resolve()
            return cls(root / "settings.json", root / "trades.sqlite3", root / "algomesh-tray.log", chosen=True)
        dirs = platformdirs.PlatformDirs(APP_NAME, appauthor=False)
        return cls(
            Path(dirs.user_config_dir) / "settings.json",
            Path(dirs.user_data_dir) / "trades.sqlite3",
            Path(dirs.user_log_dir) / "algomesh-tray.log",
        )

    def make_private(self) -> list[str]:
        """Make the app's folders 0700 and its files 0600, creating the folders; returns warnings.

        For start-up, before anything is written: an older version made them 0755 and 0644. Our own
        folders (the platform's, from the app's folder down) are tightened; a --data-dir folder the
        user made is left as it is, with a warning if other accounts can read it. No-op off POSIX,
        where the per-user folders are private already.
        """
        if os.name != "posix":
            return []
        warnings: list[str] = []
        for folder in dict.fromkeys(path.parent for path in (self.settings_file, self.trade_log, self.log_file)):
            try:
                if self.chosen and folder.exists():
                    if readable_by_others(folder):
                        warnings.append(
                            f"The folder {folder} can be read by other accounts on this computer, and it holds "
                            f"your trade log. It is left as you made it; 'chmod 700 {folder}' makes it private."
                        )
                    continue
                make_private_folder(folder)
                for owned in [folder] if self.chosen else _app_folders(folder):
                    os.chmod(owned, 0o700)
            except OSError as error:
                warnings.append(f"The folder {folder} could not be made private ({error.strerror}).")
        logs = [self.log_file.with_name(f"{self.log_file.name}.{number}") for number in range(1, 10)]
        for path in (self.settings_file, self.trade_log, *_sqlite_files(self.trade_log), self.log_file, *logs):
            make_private_file(path)
        return warnings


def _app_folders(folder: Path) -> list[Path]:
    """``folder`` and its parents up to the app's own (~/.local/state/algomesh-tray for .../log);
    only ``folder`` if no parent is the app's: never a folder the app shares with others."""
    chain = []
    for candidate in (folder, *folder.parents):
        chain.append(candidate)
        if candidate.name == APP_NAME:
            return chain
    return [folder]


def _sqlite_files(path: Path) -> list[Path]:
    return [Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")]


def make_private_folder(folder: Path) -> None:
    """Create ``folder`` (0700) and missing parents if needed; an existing folder is left as it is."""
    if not folder.is_dir():
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        if os.name == "posix":
            os.chmod(folder, 0o700)  # mkdir's mode is masked by the umask


def create_private_file(path: Path) -> None:
    """Create an empty file readable by its owner only, unless it is there already."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def make_private_file(path: Path) -> None:
    """Readable by its owner only, if it exists: other accounts' bits are taken away, the owner's
    left as they are (a file made read-only stays read-only). Best effort (another owner's file stays)."""
    if os.name != "posix":
        return
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            os.chmod(path, mode & 0o700)
    except OSError:
        pass


def readable_by_others(path: Path) -> bool:
    """Whether accounts other than the owner may read (or list) ``path``."""
    return os.name == "posix" and bool(stat.S_IMODE(path.stat().st_mode) & 0o044)


class PrivateRotatingFileHandler(logging.FileHandler):
    """The log file, and each one it rotates to, created 0600: it names markets and folders.

    Rotates as logging.handlers.RotatingFileHandler does: a record that would take the file to
    ``maxBytes`` first moves it to .1 (.1 to .2, and so on, keeping ``backupCount``). Written out
    here because logging.handlers imports pickle for handlers the app does not use: 1.3 MB of the
    idle app.
    """

    def __init__(self, filename: Path, maxBytes: int, backupCount: int, encoding: str = "utf-8") -> None:  # noqa: N803  (RotatingFileHandler's names)
        super().__init__(filename, mode="a", encoding=encoding)
        self.maxBytes = maxBytes
        self.backupCount = backupCount

    def _open(self):  # type: ignore[no-untyped-def]  # (logging's own signature)
        create_private_file(Path(self.baseFilename))
        make_private_file(Path(self.baseFilename))
        return super()._open()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            if self._full(record):
                self._rotate()
            super().emit(record)
        except Exception:
            self.handleError(record)

    def _full(self, record: logging.LogRecord) -> bool:
        """Whether ``record`` would take the file to ``maxBytes`` (never for something there that is not
        a regular file, such as /dev/null; a file deleted or moved meanwhile is written anew)."""
        if self.maxBytes <= 0 or self.stream is None:
            return False  # (no stream: just rotated, FileHandler opens a new one)
        if os.path.exists(self.baseFilename) and not os.path.isfile(self.baseFilename):
            return False
        self.stream.seek(0, os.SEEK_END)
        return self.stream.tell() + len(self.format(record)) + 1 >= self.maxBytes

    def _rotate(self) -> None:
        if self.stream is not None:
            self.stream.close()
            self.stream = None  # FileHandler opens it again when it next writes
        for number in range(self.backupCount - 1, 0, -1):
            if os.path.exists(older := f"{self.baseFilename}.{number}"):
                os.replace(older, f"{self.baseFilename}.{number + 1}")
        if self.backupCount > 0 and os.path.exists(self.baseFilename):
            os.replace(self.baseFilename, f"{self.baseFilename}.1")


def aside_path(path: Path) -> Path:
    """Where to keep a damaged file: next to it, named for when, never over an earlier one."""
    stem = f"{path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}"
    candidate, number = path.with_name(stem), 1
    while candidate.exists() or Path(f"{candidate}-wal").exists():
        number += 1
        candidate = path.with_name(f"{stem}-{number}")
    return candidate
