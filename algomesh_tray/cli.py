"""The ``algomesh-tray`` command: start the tray app, or print the trade log (``history``)."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence

from . import __version__
from .formatting import format_amount, format_price, safe_text
from .paths import DATA_DIR_ENV, AppPaths
from .tradelog import TradeRecord, write_csv, write_json

__all__ = ["main"]


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a port number") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError("the port must be from 1 to 65535")
    return port


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="algomesh-tray",
        description="Desktop notifications and a trade log for the AlgoMesh engine's signals.",
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
    history = commands.add_parser("history", help="print the trade log, newest first")
    history.add_argument("--limit", type=int, default=50, help="how many trades (default 50; 0 for all)")
    history.add_argument("--format", choices=("table", "csv", "json"), default="table", help="output format")
    history.add_argument("--data-dir", metavar="DIR", dest="history_data_dir", help="as above")
    commands.add_parser("engine", help="run the simulated engine (see algomesh-tray-engine --help)", add_help=False)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``algomesh-tray`` and ``python -m algomesh_tray``."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["engine"]:
        from .engine_sim import main as engine_main

        return engine_main(argv[1:])
    arguments = build_parser().parse_args(argv)
    if arguments.command == "history":
        return _print_history(arguments)
    from .app import run_app

    return run_app(arguments)


def _print_history(arguments: argparse.Namespace) -> int:
    from .tradelog import TradeLog

    paths = AppPaths.resolve(arguments.history_data_dir or arguments.data_dir)
    if not paths.trade_log.exists():
        print(f"No trade log yet at {paths.trade_log}.", file=sys.stderr)
        records = []
    else:
        trade_log = TradeLog(paths.trade_log)
        try:
            records = trade_log.recent(arguments.limit if arguments.limit > 0 else -1)
        finally:
            trade_log.close()
    _print_records(records, arguments.format)
    return 0


def _print_records(records: list[TradeRecord], output_format: str) -> None:
    if output_format == "json":
        write_json(records, sys.stdout)
    elif output_format == "csv":
        write_csv(records, sys.stdout)
    else:
        for record in records:
            signal = record.signal
            when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(record.received_at))
            print(
                f"{when}  {signal.action:<5} {safe_text(signal.symbol, 14):<10} "
                f"{format_amount(signal.amount):>10} ({safe_text(signal.size_type, 12)}) "
                f"@ {format_price(signal.price):>12}  {safe_text(signal.strategy_name, 40)}  "
                f"{safe_text(signal.trade_type, 12)}  {safe_text(signal.status, 16)}"
            )
