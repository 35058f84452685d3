"""The trade log: every accepted signal, with its arrival time and raw frame, in SQLite.

Plain blocking sqlite3, no Qt and no asyncio: the app calls it from one worker thread
(see pipeline.py), the ``history`` command calls it directly.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

from ..feed.protocol import ReceivedSignal, RejectedSignal, StrategySignal
from ..feed.records import RejectedRecord, TradeRecord
from ..platform.paths import aside_path, create_private_file, make_private_file, make_private_folder
from ..util.days import local_day, start_of_today

__all__ = [
    "TRADE_COLUMNS",
    "LogTotals",
    "MarketTotal",
    "RejectedTotal",
    "TradeLog",
    "connect_read_only",
    "count_totals",
    "has_no_tables",
    "is_damage",
    "open_trade_log",
    "read_only_part",
    "read_only_reason",
    "read_recent",
    "read_totals",
    "record_from_row",
    "replace_damaged",
]

log = logging.getLogger(__name__)

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
-- Newest first, overall and per market (each index holds the id too): pages, filters, date ranges.
CREATE INDEX IF NOT EXISTS trades_by_time ON trades (received_at);
CREATE INDEX IF NOT EXISTS trades_by_market_time ON trades (strategy, symbol, received_at);
DROP INDEX IF EXISTS trades_by_market;
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
-- The dashboard's totals, kept as trades are written (same transaction): per market and size type,
-- and per local day for "today". totals_state says up to which trade they count, and whether the
-- trades were changed outside the app since (the triggers), which makes them be counted afresh.
CREATE TABLE IF NOT EXISTS market_totals (
    strategy TEXT NOT NULL,
    symbol TEXT NOT NULL,
    size_type TEXT NOT NULL,
    signals INTEGER NOT NULL,
    buys INTEGER NOT NULL,
    sells INTEGER NOT NULL,
    volume REAL NOT NULL,
    last_seen REAL NOT NULL,
    last_id INTEGER NOT NULL,
    last_price REAL NOT NULL,
    first_id INTEGER NOT NULL,
    PRIMARY KEY (strategy, symbol, size_type)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS day_totals (
    strategy TEXT NOT NULL,
    symbol TEXT NOT NULL,
    size_type TEXT NOT NULL,
    day REAL NOT NULL,
    signals INTEGER NOT NULL,
    volume REAL NOT NULL,
    PRIMARY KEY (strategy, symbol, size_type, day)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS totals_state (
    only INTEGER PRIMARY KEY CHECK (only = 1),
    counted_up_to INTEGER NOT NULL,
    edited INTEGER NOT NULL
);
-- Every action, order type, trade type and status in the log: the filter box's words found in none
-- of them can only name a market, which narrows a query to that market's index.
CREATE TABLE IF NOT EXISTS trade_texts (value TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TRIGGER IF NOT EXISTS trades_deleted AFTER DELETE ON trades BEGIN UPDATE totals_state SET edited = 1; END;
CREATE TRIGGER IF NOT EXISTS trades_updated AFTER UPDATE ON trades BEGIN UPDATE totals_state SET edited = 1; END;
"""
#: The columns of a trade, in the order record_from_row reads them.
TRADE_COLUMNS = (
    "id, received_at, strategy, symbol, action, amount, size_type, price, order_type, trade_type, status, raw"
)


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


def record_from_row(row: Sequence[object]) -> TradeRecord:
    """A row of TRADE_COLUMNS as a record; the few distinct texts (names, actions) are shared, not
    copied per row, which keeps a window holding many rows small."""
    (row_id, received_at, strategy, symbol, action, amount, size_type, price, order_type, trade_type, status, raw) = row
    signal = StrategySignal(
        action=_shared(str(action)),
        symbol=_shared(str(symbol)),
        price=float(price),  # type: ignore[arg-type]
        amount=float(amount),  # type: ignore[arg-type]
        size_type=_shared(str(size_type)),
        order_type=_shared(str(order_type)),
        strategy_name=_shared(str(strategy)),
        trade_type=_shared(str(trade_type)),
        status=_shared(str(status)),
    )
    return TradeRecord(int(row_id), float(received_at), signal, str(raw))  # type: ignore[call-overload, arg-type]


_SHARED: dict[str, str] = {}


def _shared(text: str) -> str:
    """One copy of each short text (a market, an action); long ones (rare) are not kept."""
    if len(text) > 64:
        return text
    shared = _SHARED.setdefault(text, text)
    if len(_SHARED) > 100_000:  # a feed of ever-new names: start over rather than grow forever
        _SHARED.clear()
    return shared


class TradeLog:
    """An append-only SQLite file in WAL mode: a crash loses nothing that was committed.

    The writer: the app uses it from one worker thread only, for writes (reads for windows go
    through reader.TradeLogReader on connections of their own).
    """

    def __init__(self, path: Path | None) -> None:
        """Open (creating folders and file, private) the log at ``path``; None keeps it in memory.

        Opening reads no table (a damaged one is found by the first write, see pipeline.py);
        open_trade_log also checks the totals (check_totals).
        """
        self.path = path
        self._newest_rejected: int | None = None
        new = path is None
        if path is not None:
            make_private_folder(path.parent)
            new = not path.exists() or path.stat().st_size == 0
            create_private_file(path)
        # One worker thread uses the connection at a time; it is created on another.
        self._db = sqlite3.connect(path or ":memory:", check_same_thread=False, isolation_level=None)
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            # NORMAL in WAL mode survives a killed process; only a power cut may lose the last batch.
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA busy_timeout=5000")
            self._db.create_function("local_day", 1, local_day, deterministic=True)
            self._db.executescript(_SCHEMA)
            if new:  # nothing to count: the totals are right from the start
                self._db.execute("INSERT OR IGNORE INTO totals_state VALUES (1, 0, 0)")
            if path is not None:
                for suffix in ("", "-wal", "-shm"):  # private (an older version made them 0644)
                    make_private_file(Path(f"{path}{suffix}"))
        except BaseException:
            self._db.close()
            raise

    def check_totals(self) -> str | None:
        """Count the totals afresh if they are missing or do not match the trades (an older
        version's log, a hand-edited file); if so, a message for the user, to be shown once."""
        state = self._db.execute("SELECT counted_up_to, edited FROM totals_state").fetchone()
        (newest,) = self._db.execute("SELECT coalesce(max(id), 0) FROM trades").fetchone()
        if state is not None and not state[1] and state[0] == newest:
            return None
        if state is None and newest == 0:  # a new log
            self._db.execute("INSERT INTO totals_state VALUES (1, 0, 0)")
            return None
        why = ("it was changed outside the app" if state is not None and state[1]
               else "it comes from an older version" if state is None
               else "trades were added to it by an older version or by hand")  # fmt: skip
        started = time.monotonic()
        count = self.rebuild_totals()
        log.warning("dashboard totals counted afresh (%s): %d trades in %.1f s", why, count, time.monotonic() - started)
        return f"The dashboard's totals were counted afresh from the {count:,} trades in the log ({why})."

    def rebuild_totals(self) -> int:
        """Count every market's totals from the trades, in one transaction; returns the trades counted."""
        self._db.execute("BEGIN IMMEDIATE")
        with self._db:
            self._db.execute("DELETE FROM market_totals")
            self._db.execute("DELETE FROM day_totals")
            self._db.execute(
                "INSERT INTO market_totals SELECT strategy, symbol, size_type, count(*), sum(action = 'BUY'),"
                " sum(action = 'SELL'), sum(amount), max(received_at), max(id), 0.0, min(id)"
                " FROM trades NOT INDEXED GROUP BY strategy, symbol, size_type"
            )
            self._db.execute(
                "UPDATE market_totals SET last_price = (SELECT price FROM trades WHERE id = market_totals.last_id)"
            )
            self._db.execute(
                "INSERT INTO day_totals SELECT strategy, symbol, size_type, local_day(received_at), count(*),"
                " sum(amount) FROM trades NOT INDEXED GROUP BY 1, 2, 3, 4"
            )
            self._db.execute("DELETE FROM trade_texts")
            for field in ("action", "order_type", "trade_type", "status"):
                self._db.execute(f"INSERT OR IGNORE INTO trade_texts SELECT DISTINCT {field} FROM trades NOT INDEXED")
            (newest,) = self._db.execute("SELECT coalesce(max(id), 0) FROM trades").fetchone()
            self._db.execute("INSERT OR REPLACE INTO totals_state VALUES (1, ?, 0)", (newest,))
            (count,) = self._db.execute("SELECT coalesce(sum(signals), 0) FROM market_totals").fetchone()
        return int(count)

    def append_many(self, batch: Sequence[ReceivedSignal]) -> list[TradeRecord]:
        """Write a batch and add it to the totals, in one transaction; return it with the ids given."""
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
            if records:
                self._add_to_totals(records)
        return records

    def _add_to_totals(self, records: list[TradeRecord]) -> None:
        """The batch summed per market and per market-day in Python, then one UPSERT per key."""
        markets: dict[tuple[str, str, str], list[Any]] = {}
        days: dict[tuple[str, str, str, float], list[Any]] = {}
        texts: set[str] = set()
        for record in records:
            signal = record.signal
            texts.update((signal.action, signal.order_type, signal.trade_type, signal.status))
            key = (signal.strategy_name, signal.symbol, signal.size_type)
            total = markets.get(key)
            if total is None:  # signals, buys, sells, volume, last_seen, last_id, last_price, first_id
                total = markets[key] = [0, 0, 0, 0.0, record.received_at, record.id, signal.price, record.id]
            total[0] += 1
            total[1] += signal.action == "BUY"
            total[2] += signal.action == "SELL"
            total[3] += signal.amount
            total[4] = max(total[4], record.received_at)
            total[5], total[6] = record.id, signal.price  # ids rise through a batch
            day = days.setdefault((*key, local_day(record.received_at)), [0, 0.0])
            day[0] += 1
            day[1] += signal.amount
        self._db.executemany(
            "INSERT INTO market_totals VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET"
            " signals = signals + excluded.signals, buys = buys + excluded.buys, sells = sells + excluded.sells,"
            " volume = volume + excluded.volume, last_seen = max(last_seen, excluded.last_seen),"
            " last_price = CASE WHEN excluded.last_id > last_id THEN excluded.last_price ELSE last_price END,"
            " last_id = max(last_id, excluded.last_id)",
            [(*key, *total) for key, total in markets.items()],
        )
        self._db.executemany(
            "INSERT INTO day_totals VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET"
            " signals = signals + excluded.signals, volume = volume + excluded.volume",
            [(*key, *total) for key, total in days.items()],
        )
        self._db.executemany("INSERT OR IGNORE INTO trade_texts VALUES (?)", [(text,) for text in texts])
        self._db.execute("UPDATE totals_state SET counted_up_to = ?", (records[-1].id,))

    def recent(self, limit: int) -> list[TradeRecord]:
        """The newest ``limit`` records, newest first."""
        rows = self._db.execute(f"SELECT {TRADE_COLUMNS} FROM trades ORDER BY id DESC LIMIT ?", (limit,))
        return [record_from_row(row) for row in rows]

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
        """What the dashboard starts from (see read_totals); the app reads it on a reader's connection."""
        return read_totals(self._db, today_starts)

    def count(self) -> int:
        (count,) = self._db.execute("SELECT count(*) FROM trades").fetchone()
        return int(count)

    def close(self) -> None:
        self._db.close()


def read_totals(db: sqlite3.Connection, today_starts: float) -> LogTotals:
    """Totals per (strategy, symbol, size type), markets in the order first seen; rejected signals
    per market; and the newest ids they include. One read transaction, so all agree.

    From the kept totals (milliseconds at any size); if they are out of step with the trades (the
    log was changed while open), counted from the trades themselves, which is slow but right.
    """
    db.execute("BEGIN")
    try:
        state = db.execute("SELECT counted_up_to, edited FROM totals_state").fetchone()
        (newest,) = db.execute("SELECT coalesce(max(id), 0) FROM trades").fetchone()
        if state is not None and not state[1] and state[0] == newest:
            markets = db.execute(
                "SELECT strategy, symbol, size_type, m.signals, buys, sells, m.volume, coalesce(today.signals, 0),"
                " coalesce(today.volume, 0.0), last_seen, last_id, last_price FROM market_totals AS m"
                " LEFT JOIN (SELECT strategy, symbol, size_type, sum(signals) AS signals, sum(volume) AS volume"
                "  FROM day_totals WHERE day >= :today GROUP BY strategy, symbol, size_type) AS today"
                " USING (strategy, symbol, size_type) ORDER BY first_id",
                {"today": today_starts},
            ).fetchall()
        else:
            markets = _count_markets(db, today_starts, newest)
        rejected = db.execute(
            "SELECT strategy, symbol, sum(count), sum(CASE WHEN day >= :today THEN count ELSE 0 END),"
            " (SELECT last_reason FROM rejected_signals AS newest WHERE newest.strategy = r.strategy"
            "  AND newest.symbol = r.symbol ORDER BY last_seq DESC LIMIT 1)"
            " FROM rejected_signals AS r GROUP BY strategy, symbol ORDER BY min(rowid)",
            {"today": today_starts},
        ).fetchall()
        (newest_rejected,) = db.execute("SELECT coalesce(max(last_seq), 0) FROM rejected_signals").fetchone()
    finally:
        db.execute("COMMIT")
    return LogTotals(
        [MarketTotal(*row) for row in markets],
        [RejectedTotal(*row) for row in rejected],
        int(newest),
        int(newest_rejected),
    )


def count_totals(db: sqlite3.Connection, today_starts: float) -> list[MarketTotal]:
    """The totals counted from every trade (a full scan): what the kept totals must always equal."""
    (newest,) = db.execute("SELECT coalesce(max(id), 0) FROM trades").fetchone()
    return [MarketTotal(*row) for row in _count_markets(db, today_starts, newest)]


def _count_markets(db: sqlite3.Connection, today_starts: float, newest: int) -> list[Any]:
    return db.execute(
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


def connect_read_only(path: Path, *, check_same_thread: bool = True) -> sqlite3.Connection:
    """A connection that can only read the log, and sets up nothing (no folder, file, schema or pragma):
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
    return db


def has_no_tables(db: sqlite3.Connection) -> bool:
    """A log the app is creating at this very moment has no tables yet: it holds no trades.
    (A database with other tables is not ours, and stays an error.)"""
    return int(db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]) == 0


def read_recent(path: Path, limit: int) -> list[TradeRecord]:
    """The newest ``limit`` records (all if negative), newest first, read without changing anything."""
    db = connect_read_only(path)
    try:
        rows = db.execute(f"SELECT {TRADE_COLUMNS} FROM trades ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
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
