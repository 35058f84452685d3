"""The bridges' outbox: what each bridge still has to deliver, kept in the trade log's database.

A trade's rows are written in the same transaction as the trade (tradelog.append_many), so a signal
in the log is a signal each chosen bridge will get, across quit, ``kill -9`` and power loss. An
engine alert or a bridge's own note is kept whole (JSON); a trade is kept by its id, never copied.
Nothing here holds a secret: the request is built at delivery time with the secrets of the moment.
Delivered rows are deleted at once, so the table holds only what waits.

Plain blocking sqlite3, no Qt, no asyncio: it runs on the trade log's writer thread
(pipeline.SignalPipeline.outbox). Which bridges exist and what they send is bridges/'s business.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..feed.records import TradeRecord

__all__ = ["OUTBOX_SCHEMA", "Backlog", "Outbox", "OutboxItem"]

OUTBOX_SCHEMA = """
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


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """One message a bridge still has to deliver: a trade, or a notice (``notice`` holds its fields)."""

    id: int
    created_at: float
    record: TradeRecord | None
    notice: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class Backlog:
    """The messages folded into one note: how many trades and notices, waiting since when, until when."""

    trades: int
    notices: int
    first: float
    last: float
    stale: bool  # some waited longer than the age limit (else: there were too many)


class Outbox:
    """The outbox on the writer's connection; every method is one short transaction."""

    def __init__(self, db: sqlite3.Connection, read_trade: Callable[[Sequence[object]], TradeRecord]) -> None:
        self._db = db
        self._read_trade = read_trade

    @staticmethod
    def add_trades(db: sqlite3.Connection, records: Sequence[TradeRecord], routes: Sequence[Sequence[str]]) -> None:
        """Inside the caller's transaction: each record for each of its bridges."""
        db.executemany(
            "INSERT INTO outbox (bridge, created_at, trade_id) VALUES (?, ?, ?)",
            [
                (bridge, record.received_at, record.id)
                for record, bridges in zip(records, routes, strict=True)
                for bridge in bridges
            ],
        )

    def add_notice(self, bridges: Sequence[str], created_at: float, notice: dict[str, Any]) -> None:
        """One transaction: every bridge gets the notice, or none (and the caller tries again)."""
        text = json.dumps(notice)
        self._db.execute("BEGIN IMMEDIATE")
        with self._db:
            self._db.executemany(
                "INSERT INTO outbox (bridge, created_at, notice) VALUES (?, ?, ?)",
                [(bridge, created_at, text) for bridge in bridges],
            )

    def waiting(self, bridge: str, limit: int) -> list[OutboxItem]:
        """The oldest ``limit`` messages of ``bridge``, in order. A trade that is no
        longer in the log (deleted outside the app) is left out and its row removed."""
        from .tradelog import TRADE_COLUMNS

        columns = ", ".join(f"t.{name.strip()}" for name in TRADE_COLUMNS.split(","))
        while True:  # until a row is found that is not an orphan, or none is left
            rows = self._db.execute(
                f"SELECT o.id, o.created_at, o.trade_id, o.notice, {columns} FROM outbox o"
                " LEFT JOIN trades t ON t.id = o.trade_id WHERE o.bridge = ? ORDER BY o.id LIMIT ?",
                (bridge, limit),
            ).fetchall()
            items: list[OutboxItem] = []
            orphans: list[tuple[int]] = []
            for row_id, created_at, trade_id, notice, *trade in rows:
                if notice is not None:
                    items.append(OutboxItem(row_id, created_at, None, json.loads(notice)))
                elif trade_id is not None and trade[0] is not None:
                    items.append(OutboxItem(row_id, created_at, self._read_trade(trade), None))
                else:
                    orphans.append((row_id,))
            if orphans:
                with self._db:
                    self._db.executemany("DELETE FROM outbox WHERE id = ?", orphans)
            if items or not rows:
                return items

    def delivered(self, bridge: str, item: OutboxItem) -> None:
        """``item`` went out. Matched on bridge and time too: after a damaged log was replaced, the new
        one numbers its rows afresh, and an id alone could name another message."""
        with self._db:
            self._db.execute(
                "DELETE FROM outbox WHERE id = ? AND bridge = ? AND created_at = ?", (item.id, bridge, item.created_at)
            )

    def count(self, bridge: str) -> int:
        (count,) = self._db.execute("SELECT count(*) FROM outbox WHERE bridge = ?", (bridge,)).fetchone()
        return int(count)

    def has_messages(self) -> bool:
        """Whether any bridge has a message waiting."""
        (found,) = self._db.execute("SELECT EXISTS (SELECT 1 FROM outbox)").fetchone()
        return bool(found)

    def drop(self, bridge: str) -> int:
        """Forget what ``bridge`` had to deliver (it was switched off); how many messages that was."""
        with self._db:
            return self._db.execute("DELETE FROM outbox WHERE bridge = ?", (bridge,)).rowcount

    def fold(
        self, bridge: str, *, older_than: float, keep: int, now: float, note: Callable[[Backlog], dict[str, Any]]
    ) -> Backlog | None:
        """Replace the messages of ``bridge`` created before ``older_than``, and all but its newest
        ``keep``, with one note (``note`` words it) in their place at the head of the queue; in one
        transaction, so the backlog is either still there or said. Notes are never folded again.
        None when nothing is folded."""
        self._db.execute("BEGIN IMMEDIATE")
        with self._db:
            (total,) = self._db.execute(
                "SELECT count(*) FROM outbox WHERE bridge = ? AND note = 0", (bridge,)
            ).fetchone()
            cut = self._db.execute(
                "SELECT max(id) FROM (SELECT id FROM outbox WHERE bridge = ? AND note = 0 ORDER BY id LIMIT ?)",
                (bridge, max(0, total - keep)),
            ).fetchone()[0]
            stale_cut = self._db.execute(
                "SELECT max(id) FROM outbox WHERE bridge = ? AND note = 0 AND created_at < ?", (bridge, older_than)
            ).fetchone()[0]
            through = max(cut or 0, stale_cut or 0)
            if not through:
                return None
            first_id, trades, notices, first, last = self._db.execute(
                "SELECT min(id), count(trade_id), count(notice), min(created_at), max(created_at)"
                " FROM outbox WHERE bridge = ? AND note = 0 AND id <= ?",
                (bridge, through),
            ).fetchone()
            backlog = Backlog(trades, notices, first, last, stale=stale_cut is not None)
            self._db.execute("DELETE FROM outbox WHERE bridge = ? AND note = 0 AND id <= ?", (bridge, through))
            self._db.execute(
                "INSERT INTO outbox (id, bridge, created_at, notice, note) VALUES (?, ?, ?, ?, 1)",
                (first_id, bridge, now, json.dumps(note(backlog))),
            )
        return backlog
