"""A trade log as the release before several engines made it (its schema copied here, frozen: the
app's own moves on), with trades and their totals, for the tests of its migration and of reading it
unmigrated."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path

from algomesh_tray.feed.protocol import ReceivedSignal
from algomesh_tray.log.totals import rebuild_totals
from algomesh_tray.util.days import local_day

__all__ = ["OLD_SCHEMA", "make_old_log"]

#: algomesh_tray/log/tradelog.py's _SCHEMA at 7d64c1a (no engine column).
OLD_SCHEMA = """
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

#: log/outbox.py's OUTBOX_SCHEMA at 7d64c1a.
OLD_OUTBOX_SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY,
    bridge TEXT NOT NULL,
    created_at REAL NOT NULL,
    trade_id INTEGER,   -- a trade, or NULL for a notice
    notice TEXT,        -- JSON of an engine alert or a bridge's note, or NULL for a trade
    note INTEGER NOT NULL DEFAULT 0  -- 1: the bridge's own note for a folded backlog (never folded again)
);
CREATE INDEX IF NOT EXISTS outbox_by_bridge ON outbox (bridge, id);
"""


def make_old_log(path: Path, signals: Sequence[ReceivedSignal], *, bridge: str | None = None) -> None:
    """A WAL log at ``path`` holding ``signals`` (ids 1, 2, ...), its totals counted, as the old app left
    it; with ``bridge``, each trade also waits in that bridge's outbox."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.create_function("local_day", 1, local_day, deterministic=True)
    db.executescript(OLD_SCHEMA)
    db.executescript(OLD_OUTBOX_SCHEMA)
    db.execute("INSERT OR IGNORE INTO totals_state VALUES (1, 0, 0)")
    db.execute("BEGIN")
    for received in signals:
        signal = received.signal
        cursor = db.execute(
            "INSERT INTO trades (received_at, strategy, symbol, action, amount, size_type, price,"
            " order_type, trade_type, status, raw) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (received.received_at, signal.strategy_name, signal.symbol, signal.action, signal.amount,
             signal.size_type, signal.price, signal.order_type, signal.trade_type, signal.status, received.raw),
        )  # fmt: skip
        if bridge is not None:
            db.execute(
                "INSERT INTO outbox (bridge, created_at, trade_id) VALUES (?, ?, ?)",
                (bridge, received.received_at, cursor.lastrowid),
            )
    db.execute("COMMIT")
    rebuild_totals(db)
    db.close()
