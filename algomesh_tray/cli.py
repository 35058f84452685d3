"""The ``algomesh-tray`` command: start the tray app, or print the trade log (``history``)."""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import time
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any, TextIO

from . import __version__
from .days import start_of_tomorrow
from .export import EXPORT_COLUMNS, write_csv_rows, write_json
from .formatting import format_amount, format_price, safe_text
from .paths import DATA_DIR_ENV, AppPaths
from .records import TradeRecord
from .tradelog import TRADE_COLUMNS, connect_read_only, has_no_tables, read_only_reason, record_from_row
from .tradequery import TradeQuery, iter_rows

__all__ = ["main"]


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a port number") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError("the port must be from 1 to 65535")
    return port


def _count(text: str) -> int:
    """A --limit: a whole number from 0 up (a negative one used to mean "all", silently)."""
    try:
        count = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if count < 0:
        raise argparse.ArgumentTypeError(f"'{text}' is below 0 (use 0 for all trades)")
    return count


def _when(text: str) -> tuple[float, bool]:
    """A --since/--until in local time: (Unix time, whether a whole day was given)."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date such as 2026-03-31 (or 2026-03-31 14:30)") from None
    if moment.tzinfo is None:
        moment = moment.astimezone()  # local time, as the table shows it
    return moment.timestamp(), len(text) <= 10


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="algomesh-tray",
        description="Desktop notifications and a trade log for the AlgoMesh engine's signals.",
        allow_abbrev=False,  # else "engine --p 5" is taken for this parser's --port or --path
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--data-dir", metavar="DIR", help=f"keep settings, trade log and log file in DIR (env {DATA_DIR_ENV})"
    )
    parser.add_argument("--host", help="engine host for this run (default: saved setting, localhost)")
    parser.add_argument("--port", type=_port, help="engine port for this run (default: saved setting, 52000)")
    parser.add_argument("--path", help="engine path for this run (default: saved setting, /connect)")
    parser.add_argument("--demo", action="store_true", help="start a built-in simulated engine and connect to it")
    parser.add_argument("--verbose", action="store_true", help="log debugging detail")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    history = commands.add_parser(
        "history",
        help="print the trade log, newest first",
        description="Print the trade log, newest first, streamed as it is read (the first rows at once, "
        "constant memory whatever the log holds). The log is only read: its trades are never changed "
        "(SQLite may add its -wal/-shm files beside it). "
        "With no log yet this says so on stderr and prints an empty list (table: nothing; csv: the header; "
        "json: []), exit status 0; a log that cannot be read gives a one-line error, exit status 1. "
        "Control and direction characters from the feed are shown as U+FFFD in the table and csv; "
        "json keeps every character (escaped).",
    )
    history.add_argument("--limit", type=_count, default=50, help="how many trades (default 50; 0 for all)")
    history.add_argument("--format", choices=("table", "csv", "json"), default="table", help="output format")
    history.add_argument("--strategy", metavar="NAME", help="only this strategy (its exact name)")
    history.add_argument("--symbol", metavar="SYMBOL", help="only this symbol (exactly, e.g. BTCUSDT)")
    history.add_argument(
        "--since", type=_when, metavar="DATE", help="from this day (YYYY-MM-DD, local time) or moment on"
    )
    history.add_argument("--until", type=_when, metavar="DATE", help="up to this day (included) or moment (excluded)")
    history.add_argument("--data-dir", metavar="DIR", dest="history_data_dir", help="as above")
    # Everything after "engine" is the engine's (its own --help too). No prefix characters, so that
    # argparse takes none of it for an option of this sub-parser; argv cannot hold a NUL.
    engine = commands.add_parser(
        "engine",
        help="run the simulated engine (see algomesh-tray-engine --help); options before it do not apply",
        add_help=False,
        prefix_chars="\0",
    )
    engine.add_argument("engine_arguments", nargs=argparse.REMAINDER)
    return parser


#: Arguments that print text and exit: worth borrowing the console of the prompt that started us.
_TEXT_ARGUMENTS = frozenset({"history", "-h", "--help", "--version"})


def ensure_std_streams(argv: Sequence[str], *, platform: str = sys.platform) -> None:
    """Give the windowed exe (and pythonw) streams: they start with sys.stdout/stderr None.

    Without them ``history`` crashes (PyInstaller's "Unhandled exception" dialog) and ``--help``
    prints nothing. Started from a command prompt for text output, the Windows exe writes to that
    prompt's console; otherwise the text goes nowhere, and the exit status still tells.
    """
    if sys.stdout is not None and sys.stderr is not None:
        return
    if platform == "win32" and _TEXT_ARGUMENTS & set(argv):  # pragma: no cover - Windows only
        import ctypes

        if ctypes.windll.kernel32.AttachConsole(-1):  # type: ignore[attr-defined,unused-ignore]  # parent console
            console = open("CONOUT$", "w", encoding="utf-8", errors="replace")  # noqa: SIM115 - lives with the process
            sys.stdout = sys.stdout or console
            sys.stderr = sys.stderr or console
    if sys.stdout is None:
        sys.stdout = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - lives with the process
    if sys.stderr is None:
        sys.stderr = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - lives with the process


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``algomesh-tray`` and ``python -m algomesh_tray``."""
    argv = sys.argv[1:] if argv is None else argv
    ensure_std_streams(argv)
    arguments = build_parser().parse_args(argv)
    if arguments.command == "engine":
        from .engine_sim import main as engine_main

        return engine_main(arguments.engine_arguments)
    if arguments.command == "history":
        return _print_history(arguments)
    from .app import run_app

    return run_app(arguments)


def _query(arguments: argparse.Namespace) -> TradeQuery:
    since = arguments.since[0] if arguments.since else None
    until = None
    if arguments.until:
        until, whole_day = arguments.until
        until = start_of_tomorrow(until) if whole_day else until
    return TradeQuery(strategy=arguments.strategy, symbol=arguments.symbol, since=since, until=until)


def _print_history(arguments: argparse.Namespace) -> int:
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
    try:
        db = connect_read_only(trade_log)
        try:
            db.execute("BEGIN")
            columns = EXPORT_COLUMNS if arguments.format == "csv" else TRADE_COLUMNS
            try:
                rows = iter_rows(db, _query(arguments), columns=columns, limit=arguments.limit or None)
                first = next(rows, None)
            except sqlite3.OperationalError:
                if not has_no_tables(db):
                    raise
                first, rows = None, iter(())
            _print_rows(iter(()) if first is None else _chain(first, rows), arguments.format, sys.stdout)
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
    return 0


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
                f"{when}  {safe_text(signal.action, 12):<5} {safe_text(signal.symbol, 14):<10} "
                f"{format_amount(signal.amount):>10} ({safe_text(signal.size_type, 12)}) "
                f"@ {format_price(signal.price):>12}  {safe_text(signal.strategy_name, 40)}  "
                f"{safe_text(signal.trade_type, 12)}  {safe_text(signal.status, 16)}\n"
            )
