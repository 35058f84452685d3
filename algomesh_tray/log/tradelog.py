"""The trade log: every accepted signal, with its arrival time and raw frame, in SQLite.

Plain blocking sqlite3, no Qt and no asyncio: the app calls it from one worker thread
(see pipeline.py). Its totals are in totals.py; opening it safely in recovery.py; reading it
without changing it (history, exports, the windows) in read_only.py.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Sequence
from pathlib import Path

from ..feed.engines import DEFAULT_ENGINE_NAME
from ..feed.protocol import ReceivedSignal, RejectedSignal, StrategySignal
from ..feed.records import RejectedRecord, TradeRecord
from ..platform.paths import create_private_file, make_private_file, make_private_folder
from ..util.days import local_day, start_of_today
from .outbox import OUTBOX_SCHEMA, Outbox
from .totals import LogTotals, add_to_totals, check_totals, read_totals, rebuild_totals

__all__ = [
    "CACHE_PRAGMA",
    "OLD_LOG_ENGINE",
    "TRADE_COLUMNS",
    "TradeLog",
    "engine_column",
    "readable_columns",
    "record_from_row",
]

#: Each connection's page cache, in KiB (SQLite's default is 2,000 KiB). Measured on a 300,000-trade
#: log: 5,000 appends, or scrolling 100,000 trades, fill the default cache and keep it for good
#: (2.9 / 2.2 MB of SQLite's memory); with 512 KiB they take the same time and SQLite keeps
#: 1.2 / 0.7 MB. The pages missed are in the operating system's cache anyway.
CACHE_PRAGMA = "PRAGMA cache_size=-512"

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
    raw TEXT NOT NULL,
    engine TEXT NOT NULL DEFAULT 'AlgoMesh'  -- as _add_engine_column adds it to an older log
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
    "id, received_at, strategy, symbol, action, amount, size_type, price, order_type, trade_type, status, raw, engine"
)
#: The engine of every trade in a log of a release before there were several (SQL text): there was one.
OLD_LOG_ENGINE = "'" + DEFAULT_ENGINE_NAME.replace("'", "''") + "'"


def engine_column(db: sqlite3.Connection) -> str:
    """What to read a trade's engine from on ``db``: its column, or OLD_LOG_ENGINE in a log of an
    older release that the app has not opened yet (a reader must not change it, see read_only.py).

    Asked per query, not kept per connection: a reader's connection may see the app add the column
    while it is open (and sqlite3 connections cannot be weakly referenced). It costs microseconds.
    """
    found = db.execute("SELECT 1 FROM pragma_table_info('trades') WHERE name = 'engine'").fetchone()
    return "engine" if found else OLD_LOG_ENGINE


def readable_columns(db: sqlite3.Connection, columns: str, *, engine: str | None = None) -> str:
    """``columns`` (a list such as TRADE_COLUMNS) as ``db`` can answer them: on a log of an older
    release, its engine as OLD_LOG_ENGINE. ``engine``: engine_column(db), if the caller has it."""
    engine = engine or engine_column(db)
    if engine == "engine":
        return columns
    return ", ".join(f"{engine} AS engine" if name.strip() == "engine" else name.strip() for name in columns.split(","))


def record_from_row(row: Sequence[object]) -> TradeRecord:
    """A row of TRADE_COLUMNS as a record; the few distinct texts (names, actions, engines) are
    shared, not copied per row, which keeps a window holding many rows small."""
    (row_id, received_at, strategy, symbol, action, amount, size_type, price, order_type, trade_type, status, raw,
     engine) = row  # fmt: skip
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
    return TradeRecord(int(row_id), float(received_at), signal, str(raw), _shared(str(engine)))  # type: ignore[call-overload, arg-type]


_SHARED: dict[str, str] = {}


def _shared(text: str) -> str:
    """One copy of each short text (a market, an action); long ones (rare) are not kept."""
    if len(text) > 64:
        return text
    shared = _SHARED.setdefault(text, text)
    if len(_SHARED) > 100_000:  # a feed of ever-new names: start over rather than grow forever
        _SHARED.clear()
    return shared


def _add_engine_column(db: sqlite3.Connection) -> None:
    """A log of a release before there were several engines gets its engine column; every trade in it
    came from the one engine, DEFAULT_ENGINE_NAME. SQLite adds a column with a constant default to the
    schema alone and rewrites no row (old rows read the default): milliseconds at two million trades,
    so opening the log, and the first popup behind it, does not wait for a migration."""
    if engine_column(db) == "engine":
        return
    db.execute("BEGIN IMMEDIATE")
    with db:
        if engine_column(db) != "engine":  # another process may have added it meanwhile
            db.execute(f"ALTER TABLE trades ADD COLUMN engine TEXT NOT NULL DEFAULT {OLD_LOG_ENGINE}")
    log.info("the trade log now records each trade's engine (those before are %s's)", DEFAULT_ENGINE_NAME)


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
        self._outbox: Outbox | None = None
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
            self._db.execute(CACHE_PRAGMA)
            self._db.create_function("local_day", 1, local_day, deterministic=True)
            self._db.executescript(_SCHEMA)
            _add_engine_column(self._db)
            self._db.executescript(OUTBOX_SCHEMA)
            if new:  # nothing to count: the totals are right from the start
                self._db.execute("INSERT OR IGNORE INTO totals_state VALUES (1, 0, 0)")
            if path is not None:
                for suffix in ("", "-wal", "-shm"):  # private (an older version made them 0644)
                    make_private_file(Path(f"{path}{suffix}"))
        except BaseException:
            self._db.close()
            raise

    def check_totals(self) -> str | None:
        """See totals.check_totals: counts them afresh if out of step; a message for the user if so."""
        return check_totals(self._db)

    def rebuild_totals(self) -> int:
        """Count every market's totals afresh from the trades (see totals.rebuild_totals)."""
        return rebuild_totals(self._db)

    @property
    def outbox(self) -> Outbox:
        """What the bridges still have to deliver (outbox.py), on this connection."""
        if self._outbox is None:
            self._outbox = Outbox(self._db, record_from_row)
        return self._outbox

    def append_many(
        self, batch: Sequence[ReceivedSignal], routes: Sequence[Sequence[str]] | None = None
    ) -> list[TradeRecord]:
        """Write a batch and add it to the totals, in one transaction; return it with the ids given.

        ``routes``: for each signal, the bridges that are to forward it; their outbox rows go in the
        same transaction, so a logged signal is never one a bridge misses.
        """
        records: list[TradeRecord] = []
        self._db.execute("BEGIN IMMEDIATE")
        with self._db:  # COMMIT, or ROLLBACK if an insert fails
            for received in batch:
                signal = received.signal
                cursor = self._db.execute(
                    "INSERT INTO trades (received_at, strategy, symbol, action, amount, size_type, price,"
                    " order_type, trade_type, status, raw, engine) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
                        received.engine,
                    ),
                )
                assert cursor.lastrowid is not None
                records.append(
                    TradeRecord(cursor.lastrowid, received.received_at, signal, received.raw, received.engine)
                )
            if records:
                add_to_totals(self._db, records)
                if routes is not None:
                    Outbox.add_trades(self._db, records, routes)
        return records

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
