"""One instance per data folder, raced by real processes, and the Windows decision path."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from algomesh_tray.instance_lock import INSTALLER_MUTEX, MutexLock
from algomesh_tray.qt.single_instance import SingleInstance, _server_name

from ..windows_doubles import Kernel32

ROOT = Path(__file__).resolve().parents[2]
LAUNCHES = 4


def launch(folder: Path, others: int) -> subprocess.Popen[str]:
    """Start one racing launch; it says "ready" and waits for the starting gun."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.ui.instance_race", str(folder), str(others)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stdout.readline() == "ready\n"
    return process


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


def race(folder: Path, started: list[subprocess.Popen[str]]) -> list[str]:
    """Start LAUNCHES launches together; their outputs once all have exited."""
    started += [launch(folder, LAUNCHES - 1) for _ in range(LAUNCHES)]
    for process in started[-LAUNCHES:]:  # all are up and waiting: fire
        assert process.stdin is not None
        process.stdin.write("go\n")
        process.stdin.flush()
    return [process.communicate(timeout=90)[0] for process in started[-LAUNCHES:]]


def test_launches_racing_each_other_leave_exactly_one_instance(
    tmp_path: Path, processes: list[subprocess.Popen[str]]
) -> None:
    """Four launches at once: one runs, three hand over, and the one hears all three knocks."""
    outputs = race(tmp_path / "data", processes)
    assert sorted(output.splitlines()[0] for output in outputs) == ["claimed"] + ["handed over"] * (LAUNCHES - 1)
    assert f"knocks {LAUNCHES - 1}" in "".join(outputs)
    assert all(process.returncode == 0 for process in processes)


def test_after_a_crash_racing_launches_still_leave_exactly_one(
    tmp_path: Path, processes: list[subprocess.Popen[str]]
) -> None:
    """kill -9 leaves the socket file behind; launches racing to replace it: still only one runs."""
    folder = tmp_path / "data"
    crashed = launch(folder, -1)
    processes.append(crashed)
    assert crashed.stdin is not None and crashed.stdout is not None
    crashed.stdin.write("go\n")
    crashed.stdin.flush()
    assert crashed.stdout.readline() == "claimed\n"
    crashed.send_signal(signal.SIGKILL)
    crashed.wait(timeout=10)
    outputs = race(folder, processes)
    assert sorted(output.splitlines()[0] for output in outputs) == ["claimed"] + ["handed over"] * (LAUNCHES - 1)
    assert f"knocks {LAUNCHES - 1}" in "".join(outputs)


def test_on_windows_the_mutex_decides_even_where_a_second_server_could_listen(qtbot: QtBot, tmp_path: Path) -> None:
    """As on Windows: the mutex is taken, so the second launch hands over and does not serve."""
    kernel32 = Kernel32()
    name = _server_name(tmp_path)

    def windows_lock() -> MutexLock:
        return MutexLock([f"Local\\{name}", INSTALLER_MUTEX], kernel32=kernel32, last_error=kernel32.GetLastError)

    first = SingleInstance(tmp_path, lock=windows_lock())
    assert first.claim()
    second = SingleInstance(tmp_path, lock=windows_lock())
    with qtbot.waitSignal(first.show_requested, timeout=5000):
        assert not second.claim(handover_seconds=5)
    assert list(kernel32.open_handles.values()) == [f"Local\\{name}", INSTALLER_MUTEX]
    first.release()
    assert kernel32.open_handles == {}
    third = SingleInstance(tmp_path, lock=windows_lock())
    assert third.claim()
    third.release()
