"""``algomesh-tray history``: the trade log printed as a table, CSV or JSON, streamed as it is read."""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import time
from collections.abc import Iterator, Sequence
from typing import Any, TextIO

from ..feed.records import TradeRecord
from ..platform.paths import AppPaths
from ..util.days import start_of_tomorrow
from ..util.formatting import format_amount, format_price, safe_text
from .export import EXPORT_COLUMNS, write_csv_rows, write_json
from .parallel_csv import CsvPair
from .query import TradeQuery, iter_rows
from .read_only import connect_read_only, has_no_tables
from .recovery import read_only_reason
from .tradelog import TRADE_COLUMNS, record_from_row

__all__ = ["print_history"]


def _query(arguments: argparse.Namespace) -> TradeQuery:
    since = arguments.since[0] if arguments.since else None
    until = None
    if arguments.until:
        until, whole_day = arguments.until
        until = start_of_tomorrow(until) if whole_day else until
    return TradeQuery(strategy=arguments.strategy, symbol=arguments.symbol, engine=arguments.engine, since=since,
                      until=until)  # fmt: skip


def print_history(arguments: argparse.Namespace) -> int:
    """Read the log read-only: looking at the history must not create, convert or move anything.

    Rows are streamed as they are read (constant memory, the first at once), from one snapshot.
    """
    trade_log = AppPaths.resolve(arguments.history_data_dir or arguments.data_dir).trade_log
    try:
        trade_log.stat()  # not exists(): a folder we may not look into is not "no log yet"
    except FileNotFoundError:
        print(f"No trade log yet in {trade_log.parent}.", file=sys.stderr)
        _print_rows(iter(()), arguments.format, sys.stdout)
        return 0
    except OSError as error:
        print(f"algomesh-tray history: cannot read the trade log {trade_log}: {error.strerror}", file=sys.stderr)
        return 1
    query = _query(arguments)
    # The whole log as CSV: a second process formats every other slice (forked before the log is opened).
    pair = CsvPair.start(trade_log, query) if arguments.format == "csv" and not arguments.limit else None
    try:
        db = connect_read_only(trade_log)
        try:
            db.execute("BEGIN")
            _print_query(db, query, arguments, pair)
        finally:
            db.close()
    except sqlite3.Error as error:
        sys.stdout.flush()
        reason = read_only_reason(trade_log, error) or str(error)
        print(f"algomesh-tray history: cannot read the trade log {trade_log}: {reason}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # `history | head`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    finally:
        if pair is not None:
            pair.close()
    return 0


def _print_query(db: sqlite3.Connection, query: TradeQuery, arguments: argparse.Namespace,
                 pair: CsvPair | None) -> None:  # fmt: skip
    if pair is not None and not has_no_tables(db):
        pair.write_csv(db, query, sys.stdout)
        return
    columns = EXPORT_COLUMNS if arguments.format == "csv" else TRADE_COLUMNS
    try:
        rows = iter_rows(db, query, columns=columns, limit=arguments.limit or None)
        first = next(rows, None)
    except sqlite3.OperationalError:
        if not has_no_tables(db):
            raise
        first, rows = None, iter(())
    _print_rows(iter(()) if first is None else _chain(first, rows), arguments.format, sys.stdout)


def _chain(first: Sequence[Any], rest: Iterator[Sequence[Any]]) -> Iterator[Sequence[Any]]:
    yield first
    yield from rest


def _records(rows: Iterator[Sequence[Any]]) -> Iterator[TradeRecord]:
    for row in rows:
        try:
            yield record_from_row(row)
        except (TypeError, ValueError) as error:  # a row edited by hand, or written by something else
            raise sqlite3.DatabaseError(f"it holds a trade that cannot be read ({error})") from error


def _print_rows(rows: Iterator[Sequence[Any]], output_format: str, stream: TextIO) -> None:
    if output_format == "json":
        write_json(_records(rows), stream)
    elif output_format == "csv":
        write_csv_rows(rows, stream)
    else:
        for record in _records(rows):
            signal = record.signal
            when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(record.received_at))
            stream.write(
                f"{when}  {safe_text(record.engine, 16):<8}  {safe_text(signal.action, 12):<5} "
                f"{safe_text(signal.symbol, 14):<10} "
                f"{format_amount(signal.amount):>10} ({safe_text(signal.size_type, 12)}) "
                f"@ {format_price(signal.price):>12}  {safe_text(signal.strategy_name, 40)}  "
                f"{safe_text(signal.trade_type, 12)}  {safe_text(signal.status, 16)}\n"
            )
