"""The ``algomesh-tray`` command line, run as installed: options, ``history`` on real SQLite files, ``engine``."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import sqlite3
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pytest
from websockets.sync.client import connect

from algomesh_tray.cli import build_parser
from algomesh_tray.feed.protocol import StrategySignal, parse_frame
from algomesh_tray.log.export import EXPORT_FIELDS
from algomesh_tray.log.tradelog import TradeLog

from ..bulk_log import build_log
from ..programs import Program
from ..read_only import contents, held_to_file_modes, read_only
from .conftest import make_received

BIN = Path(sys.executable).parent
#: Feed text that would retitle the terminal, ring it, clear it or reverse the line after it.
HOSTILE = "\x1b]0;pwn\x07Evil\x1b[2J\x9b31m\u202eRLO\u2066iso\x7f"
STEERING = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def tray(*arguments: str, check: bool = False, prefix: Sequence[str] = ()) -> subprocess.CompletedProcess[str]:
    """Run the installed ``algomesh-tray`` with these arguments (through ``prefix``, if given)."""
    return subprocess.run(
        [*prefix, str(BIN / "algomesh-tray"), *arguments], capture_output=True, text=True, check=check, timeout=30
    )


def history(data_dir: Path, *arguments: str, prefix: Sequence[str] = ()) -> subprocess.CompletedProcess[str]:
    return tray("history", "--data-dir", str(data_dir), *arguments, prefix=prefix)


def hostile_log(data_dir: Path) -> StrategySignal:
    """A log holding one signal whose text fields all carry terminal escapes (as another writer could store)."""
    received = make_received(1)
    signal = replace(
        received.signal,
        action="BUY" + HOSTILE,
        symbol="BTC" + HOSTILE,
        strategy_name="=cmd" + HOSTILE + "x" * 60,
        trade_type=HOSTILE,
        status=HOSTILE,
    )
    trade_log = TradeLog(data_dir / "trades.sqlite3")
    trade_log.append_many([replace(received, signal=signal)])
    trade_log.close()
    return signal


@pytest.mark.parametrize("limit", ["-5", "-1", "many", "1.5"])
def test_history_rejects_a_limit_that_is_not_a_count(tmp_path: Path, limit: str) -> None:
    """--limit -5 used to mean "everything", silently: it is a usage error now, naming the option."""
    TradeLog(tmp_path / "trades.sqlite3").append_many([make_received(n) for n in range(3)])
    result = history(tmp_path, "--limit", limit)
    assert result.returncode == 2 and result.stdout == ""
    assert f"argument --limit: '{limit}'" in result.stderr


def test_history_limit_zero_still_means_all(tmp_path: Path) -> None:
    """0 is the documented "all trades"."""
    TradeLog(tmp_path / "trades.sqlite3").append_many([make_received(n) for n in range(60)])
    rows = json.loads(history(tmp_path, "--limit", "0", "--format", "json").stdout)
    assert len(rows) == 60 and rows[0]["id"] == 60


def test_history_selects_by_strategy_symbol_and_local_dates(tmp_path: Path) -> None:
    """--strategy and --symbol exactly; --since a local day on, --until a local day included."""
    day = time.mktime((2026, 3, 10, 0, 0, 0, 0, 0, -1))  # local midnight
    trade_log = TradeLog(tmp_path / "trades.sqlite3")
    signals = [
        make_received(1, received_at=day - 1, symbol="ETHUSDT"),  # 9 March, 23:59:59
        make_received(2, received_at=day, symbol="ETHUSDT"),  # 10 March, 00:00
        make_received(3, received_at=day + 86399, symbol="BTCUSDT"),  # 10 March, 23:59:59
        make_received(4, received_at=day + 86400, symbol="ETHUSDT", strategyName="Other"),  # 11 March
    ]
    trade_log.append_many(signals)
    trade_log.close()

    def ids(*arguments: str) -> list[int]:
        result = history(tmp_path, "--format", "json", "--limit", "0", *arguments)
        assert result.returncode == 0, result.stderr
        return [row["id"] for row in json.loads(result.stdout)]

    assert ids("--since", "2026-03-10", "--until", "2026-03-10") == [3, 2]
    assert ids("--since", "2026-03-10") == [4, 3, 2]
    assert ids("--until", "2026-03-09") == [1]
    assert ids("--symbol", "ETHUSDT") == [4, 2, 1]
    assert ids("--strategy", "Other") == [4]
    assert ids("--strategy", "BTC_Momentum_Scalp", "--symbol", "ETHUSDT", "--since", "2026-03-10") == [2]
    assert ids("--since", "2026-03-10 00:00:01", "--until", "2026-03-11 00:00") == [3]
    bad = history(tmp_path, "--since", "last tuesday")
    assert bad.returncode == 2 and "'last tuesday' is not a date" in bad.stderr


def test_history_streams_so_a_reader_that_stops_early_ends_it_at_once(tmp_path: Path) -> None:
    """`history --limit 0 | head -1`: the header comes first, and the closed pipe ends the command
    quietly (exit 0, no traceback) instead of it printing every row first."""
    TradeLog(tmp_path / "trades.sqlite3").append_many([make_received(n) for n in range(20_000)])
    command = [str(BIN / "algomesh-tray"), "history", "--data-dir", str(tmp_path), "--limit", "0", "--format", "csv"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None and process.stderr is not None
    assert process.stdout.readline() == ",".join(EXPORT_FIELDS) + "\n"
    assert process.stdout.readline().startswith("20000,")
    process.stdout.close()
    assert process.wait(timeout=30) == 0
    assert process.stderr.read() == ""


def test_history_csv_of_the_whole_log_from_two_processes_is_what_one_writes(tmp_path: Path) -> None:
    """--limit 0 --format csv goes through a helper process (log/parallel_csv) on a log of several slices;
    a limit as large goes through one, and so does a Python without fork and fcntl (Windows). The
    three texts are the same."""
    build_log(tmp_path / "trades.sqlite3", 30_000)
    whole = history(tmp_path, "--limit", "0", "--format", "csv")
    limited = history(tmp_path, "--limit", "30000", "--format", "csv")
    as_on_windows = subprocess.run(
        [sys.executable, "-c", "import os, sys; sys.modules['fcntl'] = None; del os.fork;"
         " from algomesh_tray.cli import main; sys.exit(main())",
         "history", "--data-dir", str(tmp_path), "--limit", "0", "--format", "csv"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert whole.returncode == limited.returncode == as_on_windows.returncode == 0
    assert whole.stderr == as_on_windows.stderr == ""
    assert whole.stdout == limited.stdout == as_on_windows.stdout and whole.stdout.count("\n") == 30_001


@pytest.mark.parametrize(("output_format", "stdout"), [("table", ""), ("csv", ",".join(EXPORT_FIELDS) + "\n"),
                                                       ("json", "[]\n")])  # fmt: skip
def test_history_without_a_log_says_so_and_creates_nothing(tmp_path: Path, output_format: str, stdout: str) -> None:
    """A new machine: one sentence on stderr, an empty export on stdout, exit 0, and no folder made."""
    data_dir = tmp_path / "not-yet"
    result = history(data_dir, "--format", output_format)
    assert (result.returncode, result.stdout) == (0, stdout)
    assert result.stderr == f"No trade log yet in {data_dir}.\n"
    assert list(tmp_path.iterdir()) == []


def test_history_reads_the_log_without_changing_it(tmp_path: Path) -> None:
    """A log in rollback-journal mode (a copy, a backup) is read as it is: not converted to WAL, no file added."""
    path = tmp_path / "trades.sqlite3"
    trade_log = TradeLog(path)
    trade_log.append_many([make_received(n) for n in range(3)])
    trade_log.close()
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA journal_mode=DELETE").fetchone() == ("delete",)
    db.close()
    before = path.read_bytes()
    result = history(tmp_path, "--format", "json")
    assert result.returncode == 0 and [row["id"] for row in json.loads(result.stdout)] == [3, 2, 1]
    assert path.read_bytes() == before
    assert list(tmp_path.iterdir()) == [path]


@pytest.mark.parametrize(
    "content", [b"this is not a database" * 100, b"SQLite format 3\x00" + b"\xff" * 200], ids=["garbage", "truncated"]
)
def test_a_damaged_log_gives_one_line_and_exit_1_and_is_left_alone(tmp_path: Path, content: bytes) -> None:
    """No traceback and no repair: the file stays where and as it is (the app moves it aside, not history)."""
    path = tmp_path / "trades.sqlite3"
    path.write_bytes(content)
    result = history(tmp_path)
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith(f"algomesh-tray history: cannot read the trade log {path}: ")
    assert path.read_bytes() == content and list(tmp_path.iterdir()) == [path]


def test_a_log_that_is_not_a_file_gives_one_line_and_exit_1(tmp_path: Path) -> None:
    """A folder where the log should be cannot be opened: the same plain message."""
    (tmp_path / "trades.sqlite3").mkdir()
    result = history(tmp_path, "--format", "csv")
    assert result.returncode == 1 and result.stderr.count("\n") == 1 and "cannot read the trade log" in result.stderr


@pytest.mark.parametrize("output_format", ["table", "csv"])
def test_history_never_sends_feed_controls_to_the_terminal(tmp_path: Path, output_format: str) -> None:
    """ESC, BEL, C1 and direction overrides from the feed reach the terminal as U+FFFD, in every field."""
    hostile_log(tmp_path)
    result = history(tmp_path, "--format", output_format)
    assert result.returncode == 0
    assert not STEERING.findall(result.stdout)
    assert "\ufffd]0;pwn\ufffdEvil" in result.stdout


def test_history_csv_keeps_the_whole_text_and_the_formula_guard(tmp_path: Path) -> None:
    """Unlike the table, csv is not shortened: only the steering characters are replaced."""
    signal = hostile_log(tmp_path)
    (row,) = csv.DictReader(io.StringIO(history(tmp_path, "--format", "csv").stdout))
    shown = STEERING.sub("\ufffd", "'" + signal.strategy_name)
    assert row["strategyName"] == shown and shown.endswith("x" * 60)
    assert row["action"] == STEERING.sub("\ufffd", signal.action)


def test_history_json_is_lossless_and_escapes_what_a_terminal_would_run(tmp_path: Path) -> None:
    """JSON gives back every character exactly, written as \\u escapes so the terminal sees none raw."""
    signal = hostile_log(tmp_path)
    result = history(tmp_path, "--format", "json")
    assert not STEERING.findall(result.stdout)
    (row,) = json.loads(result.stdout)
    assert (row["strategyName"], row["action"], row["status"]) == (signal.strategy_name, signal.action, HOSTILE)


@pytest.mark.parametrize(
    "before", [[], ["--verbose"], ["--data-dir", "somewhere"], ["--port", "5", "--demo"]], ids=repr
)
def test_engine_is_recognised_after_global_options(before: list[str]) -> None:
    """`algomesh-tray --verbose engine --help` is the engine's help, not the tray starting."""
    result = tray(*before, "engine", "--help", check=True)
    assert result.stdout.startswith("usage: algomesh-tray-engine")


def test_python_m_runs_the_same_command(tmp_path: Path) -> None:
    """`python -m algomesh_tray` parses the same way as the installed command."""
    command = [sys.executable, "-m", "algomesh_tray", "--verbose", "engine", "--help"]
    result = subprocess.run(command, capture_output=True, text=True, check=True, timeout=30)
    assert result.stdout.startswith("usage: algomesh-tray-engine")
    command = [sys.executable, "-m", "algomesh_tray", "history", "--data-dir", str(tmp_path), "--format", "json"]
    assert subprocess.run(command, capture_output=True, text=True, check=True, timeout=30).stdout == "[]\n"


def test_engine_after_a_global_option_really_serves_signals(tmp_path: Path) -> None:
    """`algomesh-tray --verbose engine --port 0 ...` starts the simulated engine, which a client can use."""
    engine = Program(
        [str(BIN / "algomesh-tray"), "--verbose", "engine", "--port", "0", "--rate", "50", "--count", "1"],
        dict(os.environ),
        tmp_path / "engine.log",
    )
    try:
        url = re.search(r"ws://\S+", engine.wait_for_line("ws://", timeout=30))
        assert url is not None
        with connect(url.group(0), open_timeout=10) as client:
            frame = client.recv(timeout=10)
    finally:
        engine.process.kill()
        engine.process.wait(timeout=10)
    assert isinstance(parse_frame(frame), StrategySignal)


def test_waiting_for_a_line_a_child_never_prints_fails_at_the_deadline(tmp_path: Path) -> None:
    """The reader behind the engine test fails with the output seen, instead of hanging the run."""
    silent = [sys.executable, "-c", "import sys, time; print('starting', file=sys.stderr, flush=True); time.sleep(60)"]
    child = Program(silent, dict(os.environ), tmp_path / "silent.log")
    try:
        started = time.monotonic()
        with pytest.raises(
            AssertionError, match=r"timed out after 0.5 s waiting for 'ws://' in silent.log; .*\nstarting"
        ):
            child.wait_for_line("ws://", timeout=0.5)
        assert time.monotonic() - started < 5
    finally:
        child.process.kill()
        child.process.wait(timeout=10)


@pytest.mark.parametrize(
    ("argv", "command"),
    [
        ([], None),
        (["--demo"], None),
        (["--host", "H", "--port", "5"], None),
        (["--verbose", "--path", "/x"], None),
        (["history", "--limit", "3"], "history"),
        (["--data-dir", "D", "history"], "history"),
        (["--verbose", "engine"], "engine"),
    ],
)
def test_the_tray_starts_only_without_a_command(argv: list[str], command: str | None) -> None:
    """Tray options alone still mean "start the tray"; a command is found after any of them."""
    assert build_parser().parse_args(argv).command == command


def test_engine_arguments_are_passed_on_whole() -> None:
    """Everything after `engine` is the engine's, even options the tray also has, and its --help."""
    arguments = build_parser().parse_args(["--port", "7", "engine", "--port=0", "--help", "-h", "--", "x"])
    assert arguments.port == 7 and arguments.engine_arguments == ["--port=0", "--help", "-h", "--", "x"]


def test_importing_the_command_stays_light() -> None:
    """Start-up imports neither Qt, nor the engine, nor websockets before it knows it needs them."""
    code = (
        "import sys, algomesh_tray.cli;"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'websockets', 'qasync', 'httpx')"
        " or m in ('algomesh_tray.feed.simulator', 'algomesh_tray.startup')))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=30)
    assert result.stdout == "[]\n"


def test_engine_options_are_the_engines_even_abbreviated() -> None:
    """`engine --p 0` is the engine's --port; the tray's parser used to reject it as its own --port/--path."""
    assert build_parser().parse_args(["engine", "--p", "0"]).engine_arguments == ["--p", "0"]
    served = tray("engine", "--p", "0", "--help", check=True)
    assert served.stdout.startswith("usage: algomesh-tray-engine")


def test_a_log_in_a_folder_that_may_not_be_searched_is_an_error_not_an_empty_history(tmp_path: Path) -> None:
    """ "No trade log yet" there would tell the user their trades are gone."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    trade_log = TradeLog(data_dir / "trades.sqlite3")
    trade_log.append_many([make_received(1)])
    trade_log.close()
    data_dir.chmod(0o600)  # readable names, but no entering
    try:
        result = history(data_dir, "--format", "json", prefix=held_to_file_modes())  # file modes count
    finally:
        data_dir.chmod(0o700)
    assert result.returncode == 1, result.stderr
    assert "No trade log yet" not in result.stderr
    expected = f"algomesh-tray history: cannot read the trade log {data_dir / 'trades.sqlite3'}: Permission denied"
    assert result.stderr.strip() == expected


def test_a_log_alone_in_a_read_only_folder_is_still_listed(tmp_path: Path) -> None:
    """A reader of a WAL log needs to create its index file; in a folder it may not write, and with
    no writer at work (no -wal file), history reads the file as it stands instead of failing."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    trade_log = TradeLog(data_dir / "trades.sqlite3")
    trade_log.append_many([make_received(1), make_received(2)])
    trade_log.close()
    before = contents(data_dir)
    assert list(before) == ["trades.sqlite3"]
    with read_only(data_dir):
        result = history(data_dir, "--format", "json", prefix=held_to_file_modes())  # file modes count
    assert result.returncode == 0, result.stderr
    assert [row["price"] for row in json.loads(result.stdout)] == [102.0, 101.0]  # newest first
    assert contents(data_dir) == before


def test_a_trade_edited_into_nonsense_gives_one_line_and_exit_1(tmp_path: Path) -> None:
    """A row no parser wrote (a price of "abc" put in by hand) is the same one-line error, not a traceback."""
    trade_log = TradeLog(tmp_path / "trades.sqlite3")
    trade_log.append_many([make_received(1)])
    trade_log.close()
    with sqlite3.connect(tmp_path / "trades.sqlite3") as db:
        db.execute("UPDATE trades SET price = 'abc'")
    db.close()
    result = history(tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert "holds a trade that cannot be read" in result.stderr


def test_engines_for_one_run_replace_the_saved_ones_and_host_port_move_the_first_alone() -> None:
    """--engine NAME=URL (repeated) is this run's engines; --host/--port/--path move the saved first
    engine and watch it alone; both together, or a bad --engine, are refused with the reason."""
    from algomesh_tray.feed.engines import Engine, EngineError
    from algomesh_tray.settings import Settings
    from algomesh_tray.startup import _apply_overrides

    saved = Settings(engines=(Engine("Desk", port=52001), Engine("VPS", "203.0.113.5", enabled=False)))
    parse = lambda *argv: build_parser().parse_args(list(argv))  # noqa: E731
    two = _apply_overrides(saved, parse("--engine", "A=ws://127.0.0.1:1/connect", "--engine", "B=wss://h.example/f"))
    assert two.engines == (Engine("A", "127.0.0.1", 1, "/connect"), Engine("B", "h.example", 443, "/f", True))
    assert _apply_overrides(saved, parse("--port", "7")).engines == (Engine("Desk", port=7),)
    assert _apply_overrides(saved, parse()) is saved
    for argv, reason in [
        (("--engine", "A=ws://127.0.0.1:1/connect", "--port", "7"), "not both"),
        (("--engine", "ws://127.0.0.1:1/connect"), "is not NAME=URL"),
        (("--engine", "A=ws://127.0.0.1:1/x", "--engine", "a=ws://127.0.0.1:2/x"), "Two engines are called"),
        (("--demo", "--engine", "A=ws://127.0.0.1:1/connect"), "--demo watches its own two engines"),
        (("--demo", "--port", "7"), "--demo watches its own"),
    ]:
        with pytest.raises(EngineError, match=reason):
            _apply_overrides(saved, parse(*argv))


def test_a_bad_engine_on_the_command_line_exits_2_with_the_reason(tmp_path: Path) -> None:
    result = tray("--data-dir", str(tmp_path / "data"), "--engine", "VPS=http://127.0.0.1:1/connect")
    assert result.returncode == 2 and "must start with ws:// or wss://" in result.stderr


def test_a_bad_host_exits_2_before_qt_is_loaded_naming_the_option(tmp_path: Path) -> None:
    """Refused before anything shows (no Qt imported): the settings file, read once the tray is up,
    is not needed to say what is wrong with --host/--port/--path."""
    result = tray(
        "--data-dir", str(tmp_path / "data"), "--host", "bad host", prefix=(sys.executable, "-X", "importtime")
    )
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1] == (
        "algomesh-tray: --host/--port/--path: 'bad host' is not a valid host name or IP address."
    )
    assert "PySide6" not in result.stderr
