"""The dashboard's totals, kept in the trade log per market and per day as each batch is written, so
they load in milliseconds however large the log grows; and counted afresh from the trades when they
are out of step (an older version's log, a hand-edited file). Plain sqlite3, no Qt."""

from __future__ import annotations

import logging
import sqlite3
import time
from typing import Any, NamedTuple

from ..feed.records import TradeRecord
from ..util.days import local_day

__all__ = [
    "LogTotals",
    "MarketTotal",
    "RejectedTotal",
    "add_to_totals",
    "check_totals",
    "count_totals",
    "engine_totals",
    "read_totals",
    "rebuild_totals",
]

log = logging.getLogger(__name__)


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


def read_totals(db: sqlite3.Connection, today_starts: float) -> LogTotals:
    """Totals per (strategy, symbol, size type), markets in the order first seen; rejected signals
    per market; and the newest ids they include. One read transaction, so all agree.

    From the kept totals (milliseconds at any size); if they are out of step with the trades (the
    log was changed while open), counted from the trades themselves, which is slow but right.
    """
    db.execute("BEGIN")
    try:
        state, newest = _kept_state(db)
        if _in_step(state, newest):
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


def engine_totals(db: sqlite3.Connection, today_starts: float, engine: str, engine_sql: str) -> LogTotals:
    """One engine's totals (its name, ASCII case aside), counted from its trades: a scan of the log
    (0.4 to 4 s at two million trades, by how many are its), for a reader's thread. The kept totals
    are per market, not per engine; rejected signals are not told apart by engine, so none are counted here.
    ``engine_sql``: what holds the engine (tradelog.engine_column)."""
    db.execute("BEGIN")
    try:
        (newest,) = db.execute("SELECT coalesce(max(id), 0) FROM trades").fetchone()
        markets = _count_markets(db, today_starts, newest, engine=(engine_sql, engine))
    finally:
        db.execute("COMMIT")
    return LogTotals([MarketTotal(*row) for row in markets], [], int(newest), 0)


def _count_markets(db: sqlite3.Connection, today_starts: float, newest: int,
                   engine: tuple[str, str] | None = None) -> list[Any]:  # fmt: skip
    only = f" AND lower({engine[0]}) = lower(:engine)" if engine else ""
    return db.execute(
        "WITH market AS (SELECT strategy, symbol, size_type, count(*) AS signals,"
        "  sum(action = 'BUY') AS buys, sum(action = 'SELL') AS sells, sum(amount) AS volume,"
        "  sum(received_at >= :today) AS today_signals,"
        "  sum(CASE WHEN received_at >= :today THEN amount ELSE 0.0 END) AS today_volume,"
        "  max(received_at) AS last_seen, max(id) AS last_id, min(id) AS first_id"
        f"  FROM trades NOT INDEXED WHERE id <= :newest{only} GROUP BY strategy, symbol, size_type)"
        " SELECT market.strategy, market.symbol, market.size_type, signals, buys, sells, volume,"
        " today_signals, today_volume, last_seen, last_id, trades.price"
        " FROM market JOIN trades ON trades.id = market.last_id ORDER BY first_id",
        {"today": today_starts, "newest": newest, "engine": engine[1] if engine else None},
    ).fetchall()


def check_totals(db: sqlite3.Connection) -> str | None:
    """Count the totals afresh if they are missing or do not match the trades (an older
    version's log, a hand-edited file); if so, a message for the user, to be shown once."""
    state, newest = _kept_state(db)
    if _in_step(state, newest):
        return None
    if state is None and newest == 0:  # a new log
        db.execute("INSERT INTO totals_state VALUES (1, 0, 0)")
        return None
    why = ("it was changed outside the app" if state is not None and state[1]
           else "it comes from an older version" if state is None
           else "trades were added to it by an older version or by hand")  # fmt: skip
    started = time.monotonic()
    count = rebuild_totals(db)
    log.warning("dashboard totals counted afresh (%s): %d trades in %.1f s", why, count, time.monotonic() - started)
    return f"The dashboard's totals were counted afresh from the {count:,} trades in the log ({why})."


def rebuild_totals(db: sqlite3.Connection) -> int:
    """Count every market's totals from the trades, in one transaction; returns the trades counted."""
    db.execute("BEGIN IMMEDIATE")
    with db:
        db.execute("DELETE FROM market_totals")
        db.execute("DELETE FROM day_totals")
        db.execute(
            "INSERT INTO market_totals SELECT strategy, symbol, size_type, count(*), sum(action = 'BUY'),"
            " sum(action = 'SELL'), sum(amount), max(received_at), max(id), 0.0, min(id)"
            " FROM trades NOT INDEXED GROUP BY strategy, symbol, size_type"
        )
        db.execute("UPDATE market_totals SET last_price = (SELECT price FROM trades WHERE id = market_totals.last_id)")
        db.execute(
            "INSERT INTO day_totals SELECT strategy, symbol, size_type, local_day(received_at), count(*),"
            " sum(amount) FROM trades NOT INDEXED GROUP BY 1, 2, 3, 4"
        )
        db.execute("DELETE FROM trade_texts")
        for field in ("action", "order_type", "trade_type", "status"):
            db.execute(f"INSERT OR IGNORE INTO trade_texts SELECT DISTINCT {field} FROM trades NOT INDEXED")
        (newest,) = db.execute("SELECT coalesce(max(id), 0) FROM trades").fetchone()
        db.execute("INSERT OR REPLACE INTO totals_state VALUES (1, ?, 0)", (newest,))
        (count,) = db.execute("SELECT coalesce(sum(signals), 0) FROM market_totals").fetchone()
    return int(count)


def add_to_totals(db: sqlite3.Connection, records: list[TradeRecord]) -> None:
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
    db.executemany(
        "INSERT INTO market_totals VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET"
        " signals = signals + excluded.signals, buys = buys + excluded.buys, sells = sells + excluded.sells,"
        " volume = volume + excluded.volume, last_seen = max(last_seen, excluded.last_seen),"
        " last_price = CASE WHEN excluded.last_id > last_id THEN excluded.last_price ELSE last_price END,"
        " last_id = max(last_id, excluded.last_id)",
        [(*key, *total) for key, total in markets.items()],
    )
    db.executemany(
        "INSERT INTO day_totals VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET"
        " signals = signals + excluded.signals, volume = volume + excluded.volume",
        [(*key, *total) for key, total in days.items()],
    )
    db.executemany("INSERT OR IGNORE INTO trade_texts VALUES (?)", [(text,) for text in texts])
    db.execute("UPDATE totals_state SET counted_up_to = ?", (records[-1].id,))


def _kept_state(db: sqlite3.Connection) -> tuple[Any, int]:
    """The kept totals' state row (counted up to, edited; None in an older version's log) and the
    newest trade's id."""
    state = db.execute("SELECT counted_up_to, edited FROM totals_state").fetchone()
    (newest,) = db.execute("SELECT coalesce(max(id), 0) FROM trades").fetchone()
    return state, int(newest)


def _in_step(state: Any, newest: int) -> bool:
    """Whether the kept totals count every trade up to the newest, and nothing edited the log since."""
    return state is not None and not state[1] and state[0] == newest
