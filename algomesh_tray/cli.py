"""The ``algomesh-tray`` command: start the tray app, or print the trade log (``history``)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from . import __version__
from .platform.paths import DATA_DIR_ENV  # the app's start-up needs paths anyway; `history` imports the rest itself

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
        from datetime import datetime  # here: the app's start-up has no use for it before its tray shows

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
    parser.add_argument(
        "--engine",
        action="append",
        metavar="NAME=URL",
        dest="engines",
        help="watch this engine for this run, e.g. VPS=ws://203.0.113.5:52000/connect; repeat for several "
        "(default: the saved engines)",
    )
    parser.add_argument(
        "--demo", action="store_true", help="start two built-in simulated engines (Desk and VPS) and watch them"
    )
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
        "--engine", metavar="NAME", help="only the trades of this engine (its name, case aside; e.g. VPS)"
    )
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
        from .feed.simulator import main as engine_main

        return engine_main(arguments.engine_arguments)
    if arguments.command == "history":
        from .log.history import print_history

        return print_history(arguments)
    from .startup import run_app

    return run_app(arguments)
