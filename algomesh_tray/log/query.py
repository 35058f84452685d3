"""Which trades to show: words typed in a filter box, a market, a date range; asked of the log
itself through its indexes, newest first (or oldest first), a page or a stream at a time. No Qt, no
threads.

The same query answers in SQL (pages, streams) and in Python (``matches``, for live trades that
arrive while a filter is set), with the same meaning: every word is found, ignoring ASCII case,
in the strategy, symbol, action, order type, trade type or status; an engine, if named, is the
trade's engine, ignoring ASCII case. In the filter box the engine is the word ``engine:NAME``
(``filter_query``).

Plans, chosen per query: with no market named or implied, one walk of the time index with the
words checked per row; when the words or options narrow it to a few markets, one walk of the
(market, time) index per market, merged. Either way a page reads about as many rows as it
returns, and the first row of a stream comes at once; oldest first walks the same indexes the other
way (SQLite reads an index backwards as cheaply as forwards), so the first trade of a year-long log
is as near as the last.
"""

from __future__ import annotations

import heapq
import itertools
import re
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

from ..feed.records import TradeRecord
from .tradelog import TRADE_COLUMNS, engine_column, readable_columns, record_from_row

__all__ = ["Market", "TradeQuery", "filter_query", "iter_rows", "markets", "select_page", "time_slices"]

#: Where a page ends: the (received_at, id) of its last row; the next page starts past it, in the
#: query's order (older when newest first, newer when oldest first). The id breaks ties in time.
Key = tuple[float, int]
Market = tuple[str, str]

_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_TEXT_FIELDS = ("strategy", "symbol", "action", "order_type", "trade_type", "status")
_TERM_SQL = "(" + " OR ".join(f"instr(lower({field}), ?)" for field in _TEXT_FIELDS) + ")"
#: ``engine:NAME`` in a filter box (``engine:"My VPS"`` for a name with spaces): the engine's name.
_ENGINE_WORD = re.compile(r'(?<!\S)engine:(?:"([^"]*)"|(\S+))', re.IGNORECASE)
#: Walk per market only when the query narrows to at most this many; else the time index is cheaper.
_MAX_MARKET_WALKS = 8


def _lower(text: str) -> str:
    """Lower case as SQLite's lower() does it (ASCII only), so Python and SQL agree on every text."""
    return text.translate(_ASCII_LOWER)


@dataclass(frozen=True, slots=True)
class TradeQuery:
    """Trades to show: words to find, an exact market, an engine (its name, ASCII case aside),
    received in [since, until) (Unix times), newest first unless ``oldest_first``; logged up to
    ``newest_id``, if given (a snapshot that another connection can share: the app only ever appends)."""

    text: str = ""
    strategy: str | None = None
    symbol: str | None = None
    engine: str | None = None
    since: float | None = None
    until: float | None = None
    oldest_first: bool = False
    newest_id: int | None = None

    @property
    def terms(self) -> list[str]:
        return _lower(self.text).split()

    @property
    def is_everything(self) -> bool:
        """Whether every trade is selected (in either order): nothing to filter live trades by."""
        return replace(self, oldest_first=False) == TradeQuery()

    def matches(self, record: TradeRecord) -> bool:
        """Whether ``record`` is one the query selects (as its SQL would)."""
        signal = record.signal
        if self.strategy is not None and signal.strategy_name != self.strategy:
            return False
        if self.symbol is not None and signal.symbol != self.symbol:
            return False
        if self.engine is not None and _lower(record.engine) != _lower(self.engine):
            return False
        if (self.since is not None and record.received_at < self.since) or (
            self.until is not None and record.received_at >= self.until
        ):
            return False
        if self.newest_id is not None and record.id is not None and record.id > self.newest_id:
            return False
        fields = [signal.strategy_name, signal.symbol, signal.action, signal.order_type, signal.trade_type,
                  signal.status]  # fmt: skip
        texts = [_lower(field) for field in fields]
        return all(any(term in text for text in texts) for term in self.terms)

    def narrowed_markets(self, known: Sequence[Market], other_texts: Sequence[str]) -> list[Market] | None:
        """The markets that can hold a match, when the query narrows them; None when it does not.

        ``known``: every market in the log; ``other_texts``: every action, order type, trade type and
        status in it. A word found in none of the other texts can only match a strategy or symbol,
        so it narrows the markets to those whose names hold it.
        """
        candidates = [
            (strategy, symbol)
            for strategy, symbol in known
            if (self.strategy is None or strategy == self.strategy) and (self.symbol is None or symbol == self.symbol)
        ]
        narrowed = self.strategy is not None or self.symbol is not None
        lowered = [_lower(text) for text in other_texts]
        for term in self.terms:
            if any(term in text for text in lowered):
                continue
            candidates = [market for market in candidates if term in _lower(market[0]) or term in _lower(market[1])]
            narrowed = True
        return candidates if narrowed else None

    def where(self, after: Key | None, *, engine_sql: str = "engine") -> tuple[str, list[Any]]:
        """The SQL condition (without a market) and its parameters: date range, page start, engine,
        words. ``engine_sql``: what holds the engine (tradelog.engine_column: a log of an older
        release has no column for it)."""
        clauses, parameters = ["1"], list[Any]()
        if self.engine is not None:
            clauses.append(f"lower({engine_sql}) = ?")
            parameters.append(_lower(self.engine))
        if self.since is not None:
            clauses.append("received_at >= ?")
            parameters.append(self.since)
        if self.until is not None:
            clauses.append("received_at < ?")
            parameters.append(self.until)
        if self.newest_id is not None:
            clauses.append("id <= ?")
            parameters.append(self.newest_id)
        if after is not None:
            # Past the key in the query's order; the first comparison alone bounds the index walk.
            clauses.append("received_at >= ? AND (received_at > ? OR id > ?)" if self.oldest_first
                           else "received_at <= ? AND (received_at < ? OR id < ?)")  # fmt: skip
            parameters += [after[0], after[0], after[1]]
        for term in self.terms:
            clauses.append(_TERM_SQL)
            parameters += [term] * len(_TEXT_FIELDS)
        return " AND ".join(clauses), parameters


def filter_query(text: str, *, since: float | None = None, until: float | None = None) -> TradeQuery:
    """What a filter box's text selects: its words, and the engine that ``engine:NAME`` names (the
    last one, if several; ``engine:"My VPS"`` for a name with spaces)."""
    engine = None
    for match in _ENGINE_WORD.finditer(text):
        engine = match.group(1) if match.group(1) is not None else match.group(2)
    words = _ENGINE_WORD.sub(" ", text)
    return TradeQuery(" ".join(words.split()), engine=engine, since=since, until=until)


def markets(db: sqlite3.Connection) -> tuple[list[Market], list[str]] | None:
    """Every market and every other searchable text in the log, from its kept totals; None if
    those are out of step with the trades (then queries walk the time index, which is always right)."""
    try:
        state = db.execute("SELECT counted_up_to, edited FROM totals_state").fetchone()
    except sqlite3.OperationalError:  # a log of an older version, read before the app opened it
        return None
    (newest,) = db.execute("SELECT coalesce(max(id), 0) FROM trades").fetchone()
    if state is None or state[1] or state[0] != newest:
        return None
    known = db.execute("SELECT DISTINCT strategy, symbol FROM market_totals").fetchall()
    texts = [value for (value,) in db.execute("SELECT value FROM trade_texts")]
    return [(str(strategy), str(symbol)) for strategy, symbol in known], texts


def _plan(db: sqlite3.Connection, query: TradeQuery) -> list[Market] | None:
    """The markets to walk one by one, or None for one walk of the time index."""
    if query.strategy is None and query.symbol is None and not query.terms:
        return None
    found = markets(db)
    if found is None:
        return None
    narrowed = query.narrowed_markets(*found)
    if narrowed is not None and len(narrowed) > _MAX_MARKET_WALKS and not (query.strategy or query.symbol):
        return None
    return narrowed


def _cursors(db: sqlite3.Connection, query: TradeQuery, after: Key | None, limit: int | None,
             columns: str) -> list[sqlite3.Cursor]:  # fmt: skip
    """One cursor per walk, each in the query's order (an index walk either way, never a sort)."""
    engine = engine_column(db)
    columns = readable_columns(db, columns, engine=engine)  # a log of an older release, read before the app opened it
    condition, parameters = query.where(after, engine_sql=engine)
    limit_sql = "" if limit is None else f" LIMIT {int(limit)}"
    order = " ORDER BY received_at ASC, id ASC" if query.oldest_first else " ORDER BY received_at DESC, id DESC"
    plan = _plan(db, query)
    indexes = _index_names(db)
    if plan is None:
        # Named, else a stream without LIMIT may be planned as a scan and a sort: no first row at once.
        # (A log of an older version, read before the app opened it, lacks it: slower, still right.)
        index = " INDEXED BY trades_by_time" if "trades_by_time" in indexes else ""
        sql = f"SELECT {columns} FROM trades{index} WHERE {condition}{order}{limit_sql}"
        return [db.execute(sql, parameters)]
    index = " INDEXED BY trades_by_market_time" if "trades_by_market_time" in indexes else ""
    sql = (f"SELECT {columns} FROM trades{index} WHERE strategy = ? AND symbol = ?"
           f" AND {condition}{order}{limit_sql}")  # fmt: skip
    return [db.execute(sql, [strategy, symbol, *parameters]) for strategy, symbol in plan]


def _newest_first(row: Sequence[Any]) -> tuple[float, int]:
    return (-row[1], -row[0])


def _oldest_first(row: Sequence[Any]) -> tuple[float, int]:
    return (row[1], row[0])


def _merge_key(query: TradeQuery) -> Callable[[Sequence[Any]], tuple[float, int]]:
    """How rows of several market walks interleave: (received_at, id) in the query's order."""
    return _oldest_first if query.oldest_first else _newest_first


def select_page(db: sqlite3.Connection, query: TradeQuery, *, after: Key | None, limit: int) -> list[TradeRecord]:
    """Up to ``limit`` matching trades past ``after`` (None: from the start) in the query's order:
    newest first, or oldest first."""
    cursors = _cursors(db, query, after, limit, TRADE_COLUMNS)
    rows = cursors[0].fetchall() if len(cursors) == 1 else heapq.merge(*cursors, key=_merge_key(query))
    records: list[TradeRecord] = []
    for row in rows:
        records.append(record_from_row(row))
        if len(records) == limit:
            break
    for cursor in cursors:
        cursor.close()
    return records


def iter_rows(db: sqlite3.Connection, query: TradeQuery, *, columns: str = TRADE_COLUMNS,
              limit: int | None = None, chunk: int = 2000) -> Iterator[Sequence[Any]]:  # fmt: skip
    """Every matching row (``columns``, which must start with id, received_at), in the query's order, read
    a chunk at a time: constant memory, first row at once. The caller holds one read transaction
    for the whole walk if it wants a snapshot (a stream outside one sees each chunk's commits)."""
    cursors = _cursors(db, query, None, limit, columns)
    for cursor in cursors:
        cursor.arraysize = chunk
    if len(cursors) == 1:
        rows: Iterator[Sequence[Any]] = _chunks(cursors[0])
    else:
        rows = heapq.merge(*(_chunks(cursor) for cursor in cursors), key=_merge_key(query))
    yield from rows if limit is None else itertools.islice(rows, limit)


def time_slices(db: sqlite3.Connection, query: TradeQuery, rows: int) -> Iterator[TradeQuery]:
    """The query cut into consecutive slices of time, in its order, each over about ``rows`` trades of
    the time index (more where many share a time; fewer matches where words or a market filter them).
    Each boundary is found when the slice before it is asked for, by a walk of ``rows`` index entries;
    the same log (up to ``query.newest_id``) gives the same slices to every connection.

    Newest first only: an oldest-first query, or a log without the time index, is one slice.
    """
    if query.oldest_first or "trades_by_time" not in _index_names(db):
        yield query
        return
    upper = query.until
    while True:
        condition, parameters = replace(query, text="", engine=None, until=upper).where(None)
        found = db.execute(
            f"SELECT received_at FROM trades INDEXED BY trades_by_time WHERE {condition}"
            " ORDER BY received_at DESC LIMIT 1 OFFSET ?",
            [*parameters, rows],
        ).fetchone()
        if found is None:
            yield replace(query, until=upper)
            return
        yield replace(query, since=found[0], until=upper)
        upper = found[0]


def _index_names(db: sqlite3.Connection) -> set[str]:
    return {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}


def _chunks(cursor: sqlite3.Cursor) -> Iterator[Sequence[Any]]:
    while rows := cursor.fetchmany():
        yield from rows
