"""Opening the trade log without ever losing what it holds: a damaged file is moved aside and a new
log started, a folder that cannot be written gives an in-memory log, and each case is said in words
a trader understands. No Qt."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from ..platform.paths import aside_path
from .tradelog import TradeLog

__all__ = ["is_damage", "open_trade_log", "read_only_part", "read_only_reason", "replace_damaged"]


def open_trade_log(path: Path) -> tuple[TradeLog, str | None]:
    """Open the log, never losing what it holds; returns a message for the user if it had to act.

    A damaged file is moved aside (with its WAL) and a new one started; a folder that cannot be
    written gives an in-memory log for this session.
    """
    try:
        trade_log = TradeLog(path)
        try:
            return trade_log, trade_log.check_totals()
        except BaseException:
            trade_log.close()
            raise
    except sqlite3.OperationalError as error:  # permissions, missing folder, locked, disk full
        kept = "Signals are kept in memory for this session only."
        if reason := read_only_reason(path, error):
            untouched = " The trades already in it are left as they are." if path.exists() else ""
            return TradeLog(None), f"The trade log {path} cannot be written: {reason}. {kept}{untouched}"
        return TradeLog(None), f"The trade log {path} cannot be opened ({error}). {kept}"
    except sqlite3.DatabaseError as error:  # not a database, malformed
        return _start_afresh(path, error)
    except OSError as error:
        return TradeLog(None), (
            f"The trade log {path} cannot be opened ({error.strerror}). "
            "Signals are kept in memory for this session only."
        )


def read_only_part(path: Path) -> str | None:
    """Which part of the log's place ("its folder", "the file") is there but cannot be written.

    Permissions or a read-only disk: SQLite then says "attempt to write a readonly database", or
    "unable to open database file", which does not tell the user what is wrong.
    """
    for part, name in ((path.parent, "its folder"), (path, "the file")):
        if part.exists() and not os.access(part, os.W_OK):
            return name
    return None


def read_only_reason(path: Path, error: BaseException) -> str | None:
    """ "its folder is read-only" when SQLite refused a write for that reason; None for other
    troubles (a full disk, a lock), which keep their own words."""
    refusals = (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM)
    refused = isinstance(error, PermissionError) or (
        isinstance(error, sqlite3.Error)
        and (getattr(error, "sqlite_errorcode", None) or 0) & 0xFF in refusals  # none on errors we raise
    )
    part = read_only_part(path) if refused else None
    return f"{part} is read-only" if part else None


def is_damage(error: sqlite3.Error) -> bool:
    """The file itself is damaged ("malformed", "not a database"). The subclasses of DatabaseError are
    other troubles (OperationalError: disk full, read-only, locked; IntegrityError: one bad record)."""
    return type(error) is sqlite3.DatabaseError


def replace_damaged(trade_log: TradeLog, error: sqlite3.DatabaseError) -> tuple[TradeLog, str]:
    """A log found damaged while running: close it, move the file aside, and start a new one."""
    trade_log.close()
    assert trade_log.path is not None, "an in-memory log cannot be damaged on disk"
    return _start_afresh(trade_log.path, error)


def _start_afresh(path: Path, error: sqlite3.DatabaseError) -> tuple[TradeLog, str]:
    """Move a damaged log (with its WAL) aside, never deleting it, and start a new one at ``path``."""
    aside = aside_path(path)
    try:
        for suffix in ("", "-wal", "-shm"):
            source = Path(f"{path}{suffix}")
            if source.exists():
                os.replace(source, Path(f"{aside}{suffix}"))
        new_log = TradeLog(path)
    except (OSError, sqlite3.Error) as problem:
        return TradeLog(None), (
            f"The trade log {path} is damaged ({error}) and could not be replaced ({problem}). "
            "Signals are kept in memory for this session only."
        )
    return new_log, f"The trade log was damaged ({error}). It was moved to {aside} and a new log was started."
