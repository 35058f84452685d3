"""The installed app under rough treatment: killed, flooded, started on a brand-new profile."""

from __future__ import annotations

import ast
import json
import os
import signal
import subprocess
from pathlib import Path
from typing import Any

import pytest

from ..read_only import contents, held_to_file_modes, read_only
from ..waiting import wait_until
from .conftest import BIN
from .desktop import VirtualDesktop
from .helpers import expected_notification, sent_frames, start_engine

pytestmark = pytest.mark.e2e


def _history(data_dir: Path) -> list[dict[str, Any]]:
    result = subprocess.run(
        [str(BIN / "algomesh-tray"), "history", "--data-dir", str(data_dir), "--format", "json", "--limit", "0"],
        capture_output=True, text=True, check=True, timeout=30,
    )  # fmt: skip
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def _notified_ids(log_file: Path) -> set[int]:
    ids: set[int] = set()
    for line in log_file.read_text(errors="replace").splitlines():
        if "notification requested for trade ids " in line:
            ids.update(ast.literal_eval(line.split("trade ids ", 1)[1]))
    return ids


def test_kill_9_loses_no_signal_that_was_notified(start_program: Any, tmp_path: Path) -> None:
    """A real SIGKILL mid-stream: every trade a notification was requested for is in the log after."""
    _engine, port = start_engine(start_program, "--rate", "400", "--count", "4000")
    data_dir = tmp_path / "data"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    arguments = ("--data-dir", str(data_dir), "--port", str(port), "--verbose")
    app = start_program("algomesh-tray", *arguments, env=env)
    log_file = data_dir / "algomesh-tray.log"
    wait_until(lambda: log_file.exists() and len(_notified_ids(log_file)) >= 300, 30, "300 notified trades")
    app.process.send_signal(signal.SIGKILL)
    app.process.wait(timeout=10)
    notified = _notified_ids(log_file)

    logged = {row["id"] for row in _history(data_dir)}
    assert notified <= logged
    restarted = start_program("algomesh-tray", *arguments, env=env)
    restarted.wait_for_line("trades window loaded")
    assert restarted.stop() == 0
    assert {row["id"] for row in _history(data_dir)} >= logged


@pytest.mark.parametrize("history_ran", [False, True], ids=["after-quit", "after-history"])
def test_a_read_only_data_folder_still_notifies_and_leaves_the_trade_log_as_it_was(
    desktop: VirtualDesktop, start_program: Any, tmp_path: Path, history_ran: bool
) -> None:
    """The data folder and its files became read-only between sessions (permissions changed, disk
    remounted): the app says so in plain words, every new signal still pops up, and no byte changes.

    After a quit the log is a lone file, which cannot be opened for writing: an in-memory log is
    used. After the history command its WAL files lie beside it, so it opens and each write fails.
    """
    data_dir = tmp_path / "data"
    offscreen = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    first_engine, port = start_engine(start_program, "--rate", "50", "--count", "3")
    first = start_program("algomesh-tray", "--data-dir", str(data_dir), "--port", str(port), env=offscreen)
    wait_until(lambda: len(_history(data_dir)) == 3, 20, "three trades logged by a first session")
    assert first.stop() == 0
    if history_ran:
        _history(data_dir)
    before = contents(data_dir)
    wal = {"trades.sqlite3-wal", "trades.sqlite3-shm"}
    assert wal <= set(before) if history_ran else not wal & set(before)

    with read_only(data_dir):
        engine, port = start_engine(start_program, "--rate", "20", "--count", "4", "--seed", "7")
        already = len(desktop.notifications())
        arguments = ("--data-dir", str(data_dir), "--host", "127.0.0.1", "--port", str(port))
        app = start_program("algomesh-tray", *arguments, env=desktop.env, prefix=held_to_file_modes())
        told = app.wait_for_line("The trade log")
        wait_until(lambda: len(sent_frames(engine)) == 4, 15, "the engine to send 4 signals")
        expected = [expected_notification(frame) for frame in sent_frames(engine)]

        def popups() -> list[tuple[str, str]]:
            """The signals' popups; the app's own notices (the read-only folder) come as popups too."""
            shown = desktop.notifications()[already:]
            return [
                (n.summary, n.body) for n in shown if n.app_name == "AlgoMesh Tray" and n.summary != "AlgoMesh Tray"
            ]

        wait_until(lambda: len(popups()) >= 4, 20, "a notification for each of the 4 new signals")
        assert app.stop() == 0
        assert contents(data_dir) == before  # not rewritten, not moved aside, nothing added

    assert "cannot be written" in told and "its folder is read-only" in told and "kept in memory" in told
    assert popups() == expected
    logged = [row["price"] for row in _history(data_dir)]
    assert logged == [frame["price"] for frame in reversed(sent_frames(first_engine))]


def test_a_burst_of_1000_signals_makes_at_most_10_popups(
    desktop: VirtualDesktop, start_program: Any, tmp_path: Path
) -> None:
    """Storm control: 1,000 signals in a second fold into a few popups; all 1,000 are logged."""
    _engine, port = start_engine(start_program, "--rate", "1000", "--count", "1000")
    data_dir = tmp_path / "data"
    already = len(desktop.notifications())
    app = start_program("algomesh-tray", "--data-dir", str(data_dir), "--port", str(port), env=desktop.env)
    wait_until(lambda: len(_history(data_dir)) == 1000, 30, "1000 trades in the log")
    ours = lambda: [n for n in desktop.notifications()[already:] if n.app_name == "AlgoMesh Tray"]  # noqa: E731
    wait_until(lambda: any(n.summary.endswith("more signals") for n in ours()), 10, "a summary popup")
    assert app.stop() == 0
    popups = ours()
    assert 2 <= len(popups) <= 10
    summary = next(n for n in popups if n.summary.endswith("more signals"))
    assert "×" in summary.body


def test_a_brand_new_profile_starts_cleanly(start_program: Any, tmp_path: Path) -> None:
    """No ~/.config, no ~/.local: every folder is created with its parents, nothing is asked."""
    home = tmp_path / "home"
    home.mkdir()
    env = {key: value for key, value in os.environ.items() if not key.startswith("XDG_")}
    env.update(HOME=str(home), QT_QPA_PLATFORM="offscreen")
    env.pop("ALGOMESH_TRAY_DATA_DIR", None)
    _engine, port = start_engine(start_program, "--rate", "50", "--count", "3")
    app = start_program("algomesh-tray", "--port", str(port), env=env)
    app.wait_for_line("engine connected")
    wait_until(lambda: len(_history_of_home(home)) == 3, 20, "three trades in the new profile's log")
    assert app.stop() == 0
    assert (home / ".local/share/algomesh-tray/trades.sqlite3").is_file()
    assert (home / ".local/state/algomesh-tray/log/algomesh-tray.log").is_file()


def _history_of_home(home: Path) -> list[dict[str, Any]]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("XDG_")}
    env["HOME"] = str(home)
    env.pop("ALGOMESH_TRAY_DATA_DIR", None)
    result = subprocess.run(
        [str(BIN / "algomesh-tray"), "history", "--format", "json", "--limit", "0"],
        capture_output=True, text=True, check=True, timeout=30, env=env,
    )  # fmt: skip
    return json.loads(result.stdout)  # type: ignore[no-any-return]
