"""Queries of the log (filter words, market, date range), on a real SQLite file: the SQL pages and
streams select exactly what the Python matcher does, newest first, without gaps or repeats."""

from __future__ import annotations

import itertools
import random
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from algomesh_tray.feed.protocol import ReceivedSignal, StrategySignal
from algomesh_tray.feed.records import TradeRecord
from algomesh_tray.log.query import TradeQuery, filter_query, iter_rows, markets, select_page, time_slices
from algomesh_tray.log.tradelog import TRADE_COLUMNS, TradeLog, record_from_row

START = 1_764_000_000.0
SIGNAL = StrategySignal(action="BUY", symbol="BTCUSDT", price=1.0, amount=1.0, size_type="percent",
                        order_type="Market", strategy_name="Scalp", trade_type="live", status="EXECUTED")  # fmt: skip


@pytest.fixture(scope="module")
def logged(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[TradeRecord]]:
    """800 trades of 6 markets from 3 engines, several sharing a second (ties broken by id), in random
    batches."""
    path = tmp_path_factory.mktemp("query") / "trades.sqlite3"
    rng = random.Random(1)
    engines = random.Random(2)  # its own, so the trades are those the tests were written for
    trade_log = TradeLog(path)
    records: list[TradeRecord] = []
    at = START
    while len(records) < 800:
        batch = []
        for _ in range(rng.randint(1, 30)):
            at += rng.choice([0.0, 0.0, 1.0, 60.0])
            signal = StrategySignal(
                action=rng.choice(["BUY", "SELL"]), symbol=rng.choice(["BTCUSDT", "ETHUSDT", "SOLUSDT"]),
                price=1.0, amount=1.0, size_type="percent", order_type=rng.choice(["Market", "Limit"]),
                strategy_name=rng.choice(["Scalp", "Grid_Bot"]), trade_type="live",
                status=rng.choice(["EXECUTED", "EXECUTED", "FAILED"]),
            )  # fmt: skip
            batch.append(ReceivedSignal(signal, at, "{}", engines.choice(["Desk", "VPS", "Bäck"])))
        records += trade_log.append_many(batch)
    trade_log.close()
    newest_first = sorted(records, key=lambda record: (-record.received_at, -(record.id or 0)))
    return path, newest_first


QUERIES = [
    TradeQuery(),
    TradeQuery(text="btc"),
    TradeQuery(text="BTC sell"),
    TradeQuery(text="grid eth"),
    TradeQuery(text="failed"),
    TradeQuery(text="limit scalp sol"),
    TradeQuery(text="nothing-matches-this"),
    TradeQuery(strategy="Scalp"),
    TradeQuery(strategy="Scalp", symbol="ETHUSDT", text="buy"),
    TradeQuery(since=START + 3000, until=START + 9000),
    TradeQuery(text="usdt", since=START + 1000),
    TradeQuery(engine="vps"),
    TradeQuery(engine="DESK", text="btc sell"),
    TradeQuery(engine="Vps", strategy="Scalp", symbol="ETHUSDT", since=START + 1000),
    TradeQuery(engine="bäck"),  # ASCII case aside: the same engine
    TradeQuery(engine="BÄCK"),  # not: SQLite's lower() leaves Ä, and so does the matcher
    TradeQuery(engine="Nowhere"),
]


def paged_ids(db: sqlite3.Connection, query: TradeQuery, limit: int) -> list[int | None]:
    """Every page of ``query``, each starting past the last key of the one before, as the model pages."""
    paged: list[int | None] = []
    after = None
    while page := select_page(db, query, after=after, limit=limit):
        assert len(page) <= limit
        paged += [record.id for record in page]
        after = (page[-1].received_at, page[-1].id or 0)
    return paged


@pytest.mark.parametrize("query", QUERIES, ids=repr)
def test_pages_select_what_the_matcher_does_newest_first(logged: tuple[Path, list[TradeRecord]],
                                                          query: TradeQuery) -> None:  # fmt: skip
    """Page after page (37 at a time) gives every match once, in order; the stream gives the same."""
    path, newest_first = logged
    expected = [record.id for record in newest_first if query.matches(record)]
    db = sqlite3.connect(path)
    paged = paged_ids(db, query, 37)
    streamed = [row[0] for row in iter_rows(db, query, chunk=50)]
    db.close()
    assert paged == expected
    assert streamed == expected


@pytest.mark.parametrize("query", QUERIES, ids=repr)
def test_pages_oldest_first_are_the_same_matches_the_other_way(logged: tuple[Path, list[TradeRecord]],
                                                                query: TradeQuery) -> None:  # fmt: skip
    """Oldest first: the first page holds the oldest matches, ascending, and page after page (37, so
    boundaries fall inside runs of trades that share a time) gives every match once, ties by id."""
    path, newest_first = logged
    oldest_first = replace(query, oldest_first=True)
    expected = [record.id for record in reversed(newest_first) if query.matches(record)]
    db = sqlite3.connect(path)
    paged = paged_ids(db, oldest_first, 37)
    streamed = [row[0] for row in iter_rows(db, oldest_first, chunk=50)]
    db.close()
    assert paged == expected
    assert streamed == expected


def test_page_boundaries_fall_inside_runs_of_equal_times(logged: tuple[Path, list[TradeRecord]]) -> None:
    """The fixture really has ties, and pages of 1 and 2 cut runs of one time at every place."""
    path, newest_first = logged
    times = [record.received_at for record in newest_first]
    assert len(set(times)) < len(times) * 0.6  # many trades share a time
    db = sqlite3.connect(path)
    for limit in (1, 2):
        assert paged_ids(db, TradeQuery(oldest_first=True), limit) == [record.id for record in reversed(newest_first)]
    db.close()


OLDEST_FIRST_PLANS = [
    TradeQuery(oldest_first=True),
    TradeQuery(text="btc", oldest_first=True),
    TradeQuery(text="failed", since=START + 10, oldest_first=True),
]


@pytest.mark.parametrize("query", OLDEST_FIRST_PLANS, ids=repr)
def test_oldest_first_walks_an_index_forwards_without_sorting(logged: tuple[Path, list[TradeRecord]],
                                                              query: TradeQuery) -> None:  # fmt: skip
    """Each statement a page runs (one per market walk) is planned as a walk of the time or
    (market, time) index, with no sort of the matches (a sort would read them all first)."""
    path, newest_first = logged
    db = sqlite3.connect(path)
    statements: list[str] = []
    db.set_trace_callback(statements.append)
    select_page(db, query, after=(newest_first[400].received_at, newest_first[400].id or 0), limit=20)
    db.set_trace_callback(None)
    walks = [sql for sql in statements if sql.startswith("SELECT") and "ORDER BY received_at ASC" in sql]
    plans = [str(db.execute(f"EXPLAIN QUERY PLAN {sql}").fetchall()) for sql in walks]
    db.close()
    assert len(walks) == (2 if query.text == "btc" else 1)  # "btc": its two markets, merged
    for plan in plans:
        assert "USING INDEX trades_by_" in plan and "TEMP B-TREE" not in plan, plan


def test_words_that_only_name_markets_walk_only_those_markets(logged: tuple[Path, list[TradeRecord]]) -> None:
    """ "btc" is in no action, order, trade type or status: only BTC markets are read, by their index."""
    path, _ = logged
    db = sqlite3.connect(path)
    found = markets(db)
    assert found is not None
    known, texts = found
    assert sorted(TradeQuery(text="btc").narrowed_markets(known, texts) or []) == [
        ("Grid_Bot", "BTCUSDT"),
        ("Scalp", "BTCUSDT"),
    ]
    assert TradeQuery(text="failed").narrowed_markets(known, texts) is None  # a status: every market
    plan = db.execute(
        f"EXPLAIN QUERY PLAN SELECT {TRADE_COLUMNS} FROM trades INDEXED BY trades_by_market_time"
        " WHERE strategy = 'Scalp' AND symbol = 'BTCUSDT' ORDER BY received_at DESC, id DESC LIMIT 5"
    ).fetchall()
    db.close()
    assert "USING INDEX trades_by_market_time" in str(plan) and "TEMP B-TREE" not in str(plan)


def test_the_stream_reads_a_chunk_at_a_time(logged: tuple[Path, list[TradeRecord]]) -> None:
    """The first row comes before the rest are read: a stream holds no more than a chunk."""
    path, newest_first = logged
    db = sqlite3.connect(path)
    rows = iter_rows(db, TradeQuery(), chunk=10)
    first = next(rows)
    assert record_from_row(first).id == newest_first[0].id
    db.close()  # the rest never read


def test_a_log_of_an_older_version_is_queried_without_its_new_indexes(tmp_path: Path) -> None:
    """Read before the app upgraded it (history on an old log): slower, still right."""
    path = tmp_path / "trades.sqlite3"
    trade_log = TradeLog(path)
    signal = StrategySignal(action="BUY", symbol="BTCUSDT", price=1.0, amount=1.0, size_type="percent",
                            order_type="Market", strategy_name="S", trade_type="live", status="EXECUTED")  # fmt: skip
    trade_log.append_many([ReceivedSignal(signal, START + n, "{}") for n in range(5)])
    trade_log.close()
    db = sqlite3.connect(path)
    db.executescript("DROP INDEX trades_by_time; DROP INDEX trades_by_market_time; DROP TABLE totals_state;")
    assert [row[0] for row in iter_rows(db, TradeQuery(text="btc"))] == [5, 4, 3, 2, 1]
    db.close()


@pytest.mark.parametrize("query", [QUERIES[0], QUERIES[1], QUERIES[8], QUERIES[9]], ids=repr)
@pytest.mark.parametrize("rows", [1, 7, 100, 5000])
def test_time_slices_cut_a_query_into_consecutive_pieces_that_keep_equal_times_together(
    logged: tuple[Path, list[TradeRecord]], query: TradeQuery, rows: int
) -> None:
    """Streamed one after the other, the slices give exactly the query's trades in its order; a
    boundary never splits trades of the same time, so two slices never both hold one."""
    path, _ = logged
    db = sqlite3.connect(path)
    whole = [row[0] for row in iter_rows(db, query)]
    slices = list(time_slices(db, query, rows))
    pieces = [[row[0] for row in iter_rows(db, piece)] for piece in slices]
    assert [trade_id for piece in pieces for trade_id in piece] == whole
    times = [{row[1] for row in iter_rows(db, replace(piece, text=""))} for piece in slices]
    assert all(not earlier & later for earlier, later in itertools.pairwise(times))
    if query == TradeQuery():  # each slice but the last holds more than ``rows`` trades, and not many more
        assert all(rows < len(piece) <= rows + 30 for piece in pieces[:-1])
        assert len(pieces[-1]) <= rows
    db.close()


def test_newest_id_holds_a_query_to_a_snapshot_while_the_log_grows(tmp_path: Path) -> None:
    """What another connection shares with a reader: the trades up to the id it saw, even those
    appended after with an earlier time (a clock set back)."""
    trade_log = TradeLog(tmp_path / "trades.sqlite3")
    first = trade_log.append_many([ReceivedSignal(replace(SIGNAL, price=float(n)), START + n, "{}") for n in range(5)])
    later = trade_log.append_many([ReceivedSignal(SIGNAL, START + 2.5, "{}")])  # in the middle of the first
    query = TradeQuery(newest_id=first[-1].id)
    db = sqlite3.connect(tmp_path / "trades.sqlite3")
    assert [row[0] for row in iter_rows(db, query)] == [5, 4, 3, 2, 1]
    assert query.matches(first[0]) and not query.matches(later[0])
    assert [row[0] for piece in time_slices(db, query, 1) for row in iter_rows(db, piece)] == [5, 4, 3, 2, 1]
    db.close()
    trade_log.close()


def test_engine_queries_select_some_trades_and_read_each_trades_engine(logged: tuple[Path, list[TradeRecord]]) -> None:
    """The engine queries above are not vacuous: each engine's trades are found (and only them), with
    their engine read back; Ä is not a case of ä for either side."""
    path, newest_first = logged
    db = sqlite3.connect(path)
    vps = select_page(db, TradeQuery(engine="vPs"), after=None, limit=1000)
    back = select_page(db, TradeQuery(engine="bäck"), after=None, limit=1000)
    db.close()
    assert 100 < len(vps) < 700 and {record.engine for record in vps} == {"VPS"}
    assert [record.id for record in back] == [record.id for record in newest_first if record.engine == "Bäck"]
    assert not [record for record in newest_first if TradeQuery(engine="BÄCK").matches(record)]


def test_the_filter_box_names_an_engine_with_engine_colon() -> None:
    """``engine:NAME`` (any case, quoted for spaces) becomes the query's engine; the other words stay words."""
    assert filter_query("btc engine:VPS sell") == TradeQuery("btc sell", engine="VPS")
    assert filter_query('Engine:"My VPS" failed', since=1.0) == TradeQuery("failed", engine="My VPS", since=1.0)
    assert filter_query("engine:Desk engine:VPS") == TradeQuery(engine="VPS")  # the last one
    assert filter_query("myengine:x") == TradeQuery("myengine:x")  # a word that only ends so
    assert filter_query("  eth  ") == TradeQuery("eth")
