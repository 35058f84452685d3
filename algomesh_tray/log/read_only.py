"""Reading the trade log without changing anything: no folder, file, schema or pragma is made, and a
missing, damaged or foreign log raises instead of being started or moved aside (history, exports,
the windows' readers). No Qt."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from ..feed.records import TradeRecord
from .recovery import read_only_part
from .tradelog import CACHE_PRAGMA, TRADE_COLUMNS, readable_columns, record_from_row

__all__ = ["connect_read_only", "has_no_tables", "read_recent"]


def connect_read_only(path: Path, *, check_same_thread: bool = True) -> sqlite3.Connection:
    """A connection that can only read the log, and sets up nothing (no folder, file, schema or stored pragma):
    a missing, damaged or foreign log raises sqlite3.Error instead of being started or moved aside.
    (SQLite may still add its -wal/-shm files beside a WAL log, as any reader of one must.)
    """
    uri = f"{path.absolute().as_uri()}?mode=ro"
    db = sqlite3.connect(uri, uri=True, check_same_thread=check_same_thread, isolation_level=None)
    try:
        db.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.OperationalError:
        db.close()
        # A folder nobody may write: a reader cannot make the WAL index there. With no -wal file
        # beside the log no writer is at work, so the file can be read as it stands.
        if read_only_part(path) != "its folder" or Path(f"{path}-wal").exists():
            raise
        db = sqlite3.connect(f"{uri}&immutable=1", uri=True, check_same_thread=check_same_thread, isolation_level=None)
    db.execute(CACHE_PRAGMA)  # this connection's own, not stored in the file
    return db


def has_no_tables(db: sqlite3.Connection) -> bool:
    """A log the app is creating at this very moment has no tables yet: it holds no trades.
    (A database with other tables is not ours, and stays an error.)"""
    return int(db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]) == 0


def read_recent(path: Path, limit: int) -> list[TradeRecord]:
    """The newest ``limit`` records (all if negative), newest first, read without changing anything."""
    db = connect_read_only(path)
    try:
        columns = readable_columns(db, TRADE_COLUMNS)  # a log of an older release is read as it is
        rows = db.execute(f"SELECT {columns} FROM trades ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
    except sqlite3.OperationalError:
        if has_no_tables(db):
            return []
        raise
    finally:
        db.close()
    try:
        return [record_from_row(row) for row in rows]
    except (TypeError, ValueError) as error:  # a row edited by hand, or written by something else
        raise sqlite3.DatabaseError(f"it holds a trade that cannot be read ({error})") from error
