"""The trade log: every accepted signal, with its arrival time and raw frame, in SQLite.

Plain blocking sqlite3, no Qt and no asyncio: the app calls it from one worker thread
(see pipeline.py), the ``history`` command calls it directly.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from .days import start_of_today
from .paths import aside_path
from .protocol import ReceivedSignal, RejectedSignal, StrategySignal
from .records import RejectedRecord, TradeRecord

__all__ = [
    "LogTotals",
    "MarketTotal",
    "RejectedTotal",
    "TradeLog",
    "is_damage",
    "open_trade_log",
    "read_only_part",
    "read_only_reason",
    "read_recent",
    "replace_damaged",
]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS trades (
    id INTEGER PRIMARY KEY,
    received_at REAL NOT NULL,
    strategy TEXT NOT NULL,
    symbol TEXT NOT NULL,
    action TEXT NOT NULL,
    amount REAL NOT NULL,
    size_type TEXT NOT NULL,
    price REAL NOT NULL,
    order_type TEXT NOT NULL,
    trade_type TEXT NOT NULL,
    status TEXT NOT NULL,
    raw TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS trades_by_market ON trades (strategy, symbol, id);
-- Signals the app refused, counted per market and local day (a flood of them adds no rows),
-- with the newest one's reason and frame; last_seq numbers them across days and sessions.
CREATE TABLE IF NOT EXISTS rejected_signals (
    strategy TEXT NOT NULL,
    symbol TEXT NOT NULL,
    day REAL NOT NULL,
    count INTEGER NOT NULL,
    last_received_at REAL NOT NULL,
    last_reason TEXT NOT NULL,
    last_excerpt TEXT NOT NULL,
    last_seq INTEGER NOT NULL,
    PRIMARY KEY (strategy, symbol, day)
);
"""
_COLUMNS = "id, received_at, strategy, symbol, action, amount, size_type, price, order_type, trade_type, status, raw"


class MarketTotal(NamedTuple):
    """One market (strategy, symbol) in one size type, as the dashboard's totals start from."""

    strategy: str
    symbol: str
    size_type: str
    signals: int
    buys: int
    sells: int
    volume: float
    today_signals: int
    today_volume: float
    last_seen: float
    last_id: int
    last_price: float


class RejectedTotal(NamedTuple):
    """Rejected signals of one market (strategy, symbol), and the reason of the newest."""

    strategy: str
    symbol: str
    rejected: int
    today_rejected: int
    last_reason: str


class LogTotals(NamedTuple):
    """What the dashboard starts from, and the newest ids it includes (later ones are added live)."""

    markets: list[MarketTotal]
    rejected: list[RejectedTotal]
    newest_trade_id: int
    newest_rejected_id: int


def _record(row: tuple[object, ...]) -> TradeRecord:
    (row_id, received_at, strategy, symbol, action, amount, size_type, price, order_type, trade_type, status, raw) = row
    signal = StrategySignal(
        action=str(action),
        symbol=str(symbol),
        price=float(price),  # type: ignore[arg-type]
        amount=float(amount),  # type: ignore[arg-type]
        size_type=str(size_type),
        order_type=str(order_type),
        strategy_name=str(strategy),
        trade_type=str(trade_type),
        status=str(status),
    )
    return TradeRecord(int(row_id), float(received_at), signal, str(raw))  # type: ignore[call-overload, arg-type]


class TradeLog:
    """An append-only SQLite file in WAL mode: a crash loses nothing that was committed."""

    def __init__(self, path: Path | None) -> None:
        """Open (creating folders and file) the log at ``path``; None keeps it in memory only."""
        self.path = path
        self._newest_rejected: int | None = None
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        # One worker thread uses the connection at a time; it is created on another.
        self._db = sqlite3.connect(path or ":memory:", check_same_thread=False, isolation_level=None)
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            # NORMAL in WAL mode survives a killed process; only a power cut may lose the last batch.
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA busy_timeout=5000")
            self._db.executescript(_SCHEMA)
        except BaseException:
            self._db.close()
            raise

    def append_many(self, batch: Sequence[ReceivedSignal]) -> list[TradeRecord]:
        """Write a batch in one transaction and return it with the ids the log gave."""
        records: list[TradeRecord] = []
        self._db.execute("BEGIN IMMEDIATE")
        with self._db:  # COMMIT, or ROLLBACK if an insert fails
            for received in batch:
                signal = received.signal
                cursor = self._db.execute(
                    "INSERT INTO trades (received_at, strategy, symbol, action, amount, size_type, price,"
                    " order_type, trade_type, status, raw) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        received.received_at,
                        signal.strategy_name,
                        signal.symbol,
                        signal.action,
                        signal.amount,
                        signal.size_type,
                        signal.price,
                        signal.order_type,
                        signal.trade_type,
                        signal.status,
                        received.raw,
                    ),
                )
                assert cursor.lastrowid is not None
                records.append(TradeRecord(cursor.lastrowid, received.received_at, signal, received.raw))
        return records

    def recent(self, limit: int) -> list[TradeRecord]:
        """The newest ``limit`` records, newest first."""
        rows = self._db.execute(f"SELECT {_COLUMNS} FROM trades ORDER BY id DESC LIMIT ?", (limit,))
        return [_record(row) for row in rows]

    @property
    def _rejected_seq(self) -> int:
        """The number of the newest rejected signal, read once (opening the log reads no table)."""
        if self._newest_rejected is None:
            (self._newest_rejected,) = self._db.execute(
                "SELECT coalesce(max(last_seq), 0) FROM rejected_signals"
            ).fetchone()
        return self._newest_rejected

    def append_rejected(self, batch: Sequence[RejectedSignal]) -> list[RejectedRecord]:
        """Count rejected signals in one transaction; each is returned with its sequence number."""
        records: list[RejectedRecord] = []
        seq = self._rejected_seq
        self._db.execute("BEGIN IMMEDIATE")
        with self._db:
            for rejected in batch:
                seq += 1
                self._db.execute(
                    "INSERT INTO rejected_signals VALUES (:strategy, :symbol, :day, 1, :at, :reason, :excerpt, :seq)"
                    " ON CONFLICT (strategy, symbol, day) DO UPDATE SET count = count + 1,"
                    " last_received_at = excluded.last_received_at, last_reason = excluded.last_reason,"
                    " last_excerpt = excluded.last_excerpt, last_seq = excluded.last_seq",
                    {"strategy": rejected.strategy, "symbol": rejected.symbol,
                     "day": start_of_today(rejected.received_at), "at": rejected.received_at,
                     "reason": rejected.reason, "excerpt": rejected.excerpt, "seq": seq},
                )  # fmt: skip
                records.append(RejectedRecord(seq, rejected))
        self._newest_rejected = seq
        return records

    def market_totals(self, today_starts: float) -> LogTotals:
        """Totals per (strategy, symbol, size type), markets in the order first seen; rejected
        signals per market; and the newest ids they include."""
        with self._db:
            (newest,) = self._db.execute("SELECT coalesce(max(id), 0) FROM trades").fetchone()
            markets = self._db.execute(
                "WITH market AS (SELECT strategy, symbol, size_type, count(*) AS signals,"
                "  sum(action = 'BUY') AS buys, sum(action = 'SELL') AS sells, sum(amount) AS volume,"
                "  sum(received_at >= :today) AS today_signals,"
                "  sum(CASE WHEN received_at >= :today THEN amount ELSE 0.0 END) AS today_volume,"
                "  max(received_at) AS last_seen, max(id) AS last_id, min(id) AS first_id"
                "  FROM trades NOT INDEXED WHERE id <= :newest GROUP BY strategy, symbol, size_type)"
                " SELECT market.strategy, market.symbol, market.size_type, signals, buys, sells, volume,"
                " today_signals, today_volume, last_seen, last_id, trades.price"
                " FROM market JOIN trades ON trades.id = market.last_id ORDER BY first_id",
                {"today": today_starts, "newest": newest},
            ).fetchall()
            rejected = self._db.execute(
                "SELECT strategy, symbol, sum(count), sum(CASE WHEN day >= :today THEN count ELSE 0 END),"
                " (SELECT last_reason FROM rejected_signals AS newest WHERE newest.strategy = r.strategy"
                "  AND newest.symbol = r.symbol ORDER BY last_seq DESC LIMIT 1)"
                " FROM rejected_signals AS r GROUP BY strategy, symbol ORDER BY min(rowid)",
                {"today": today_starts},
            ).fetchall()
        return LogTotals(
            [MarketTotal(*row) for row in markets],
            [RejectedTotal(*row) for row in rejected],
            int(newest),
            self._rejected_seq,
        )

    def count(self) -> int:
        (count,) = self._db.execute("SELECT count(*) FROM trades").fetchone()
        return int(count)

    def close(self) -> None:
        self._db.close()


def open_trade_log(path: Path) -> tuple[TradeLog, str | None]:
    """Open the log, never losing what it holds; returns a message for the user if it had to act.

    A damaged file is moved aside (with its WAL) and a new one started; a folder that cannot be
    written gives an in-memory log for this session.
    """
    try:
        return TradeLog(path), None
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


def read_recent(path: Path, limit: int) -> list[TradeRecord]:
    """The newest ``limit`` records (all if negative), newest first, read without changing anything.

    For readers such as the ``history`` command: no folder, file, schema or pragma is set up, so a
    missing, damaged or foreign log raises sqlite3.Error instead of being started or moved aside.
    (SQLite may still add its -wal/-shm files beside a WAL log, as any reader of one must.)
    """
    uri = f"{path.absolute().as_uri()}?mode=ro"
    try:
        rows = _select_recent(uri, limit)
    except sqlite3.OperationalError:
        # A folder nobody may write: a reader cannot make the WAL index there. With no -wal file
        # beside the log no writer is at work, so the file can be read as it stands.
        if read_only_part(path) != "its folder" or Path(f"{path}-wal").exists():
            raise
        rows = _select_recent(f"{uri}&immutable=1", limit)
    try:
        return [_record(row) for row in rows]
    except (TypeError, ValueError) as error:  # a row edited by hand, or written by something else
        raise sqlite3.DatabaseError(f"it holds a trade that cannot be read ({error})") from error


def _select_recent(uri: str, limit: int) -> list[tuple[object, ...]]:
    db = sqlite3.connect(uri, uri=True)
    try:
        return db.execute(f"SELECT {_COLUMNS} FROM trades ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
    except sqlite3.OperationalError:
        # A log the app is creating at this very moment has no tables yet: it holds no trades.
        # (A database with other tables is not ours, and stays an error.)
        if db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0:
            return []
        raise
    finally:
        db.close()
