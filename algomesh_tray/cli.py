"""The ``algomesh-tray`` command: start the tray app, or print the trade log (``history``)."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from . import __version__
from .paths import DATA_DIR_ENV, AppPaths

if TYPE_CHECKING:  # the trade log (sqlite3, csv) is imported by the command that reads it
    from .tradelog import TradeRecord

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
        description="Print the trade log, newest first. The log is only read: its trades are never changed "
        "(SQLite may add its -wal/-shm files beside it). "
        "With no log yet this says so on stderr and prints an empty list (table: nothing; csv: the header; "
        "json: []), exit status 0; a log that cannot be read gives a one-line error, exit status 1. "
        "Control and direction characters from the feed are shown as U+FFFD in the table and csv; "
        "json keeps every character (escaped).",
    )
    history.add_argument("--limit", type=_count, default=50, help="how many trades (default 50; 0 for all)")
    history.add_argument("--format", choices=("table", "csv", "json"), default="table", help="output format")
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


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``algomesh-tray`` and ``python -m algomesh_tray``."""
    arguments = build_parser().parse_args(sys.argv[1:] if argv is None else argv)
    if arguments.command == "engine":
        from .engine_sim import main as engine_main

        return engine_main(arguments.engine_arguments)
    if arguments.command == "history":
        return _print_history(arguments)
    from .app import run_app

    return run_app(arguments)


def _print_history(arguments: argparse.Namespace) -> int:
    """Read the log read-only: looking at the history must not create, convert or move anything."""
    import sqlite3

    from .tradelog import read_only_reason, read_recent

    trade_log = AppPaths.resolve(arguments.history_data_dir or arguments.data_dir).trade_log
    records: list[TradeRecord] = []
    try:
        trade_log.stat()  # not exists(): a folder we may not look into is not "no log yet"
    except FileNotFoundError:
        print(f"No trade log yet in {trade_log.parent}.", file=sys.stderr)
    except OSError as error:
        print(f"algomesh-tray history: cannot read the trade log {trade_log}: {error.strerror}", file=sys.stderr)
        return 1
    else:
        try:
            records = read_recent(trade_log, arguments.limit or -1)
        except sqlite3.Error as error:
            reason = read_only_reason(trade_log, error) or str(error)
            print(f"algomesh-tray history: cannot read the trade log {trade_log}: {reason}", file=sys.stderr)
            return 1
    _print_records(records, arguments.format)
    return 0


def _print_records(records: list[TradeRecord], output_format: str) -> None:
    from .formatting import format_amount, format_price, safe_text
    from .tradelog import write_csv, write_json

    if output_format == "json":
        write_json(records, sys.stdout)
    elif output_format == "csv":
        write_csv(records, sys.stdout)
    else:
        for record in records:
            signal = record.signal
            when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(record.received_at))
            print(
                f"{when}  {safe_text(signal.action, 12):<5} {safe_text(signal.symbol, 14):<10} "
                f"{format_amount(signal.amount):>10} ({safe_text(signal.size_type, 12)}) "
                f"@ {format_price(signal.price):>12}  {safe_text(signal.strategy_name, 40)}  "
                f"{safe_text(signal.trade_type, 12)}  {safe_text(signal.status, 16)}"
            )
