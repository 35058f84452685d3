"""One instance per data folder, raced by real processes, over both doors, and the Windows
decision path (the mutex double with Windows' own door, QLocalServer, which runs here too)."""

from __future__ import annotations

import signal
import socket
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from algomesh_tray.platform.foreground import ASFW_ANY, allow_foreground
from algomesh_tray.platform.instance_lock import INSTALLER_MUTEX, MutexLock
from algomesh_tray.platform.instance_socket import SHOW, listen, runtime_folder, socket_path
from algomesh_tray.qt.local_server_door import LocalServerDoor
from algomesh_tray.qt.single_instance import SingleInstance, UnixSocketDoor, server_name

from ..windows_doubles import Kernel32, User32

ROOT = Path(__file__).resolve().parents[2]
LAUNCHES = 4
DOORS = ["platform", "local-server"]


def launch(folder: Path, others: int, door: str) -> subprocess.Popen[str]:
    """Start one racing launch; it says "ready" and waits for the starting gun."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.ui.instance_race", str(folder), str(others), door],
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


def race(folder: Path, door: str, started: list[subprocess.Popen[str]]) -> list[str]:
    """Start LAUNCHES launches together; their outputs once all have exited."""
    started += [launch(folder, LAUNCHES - 1, door) for _ in range(LAUNCHES)]
    for process in started[-LAUNCHES:]:  # all are up and waiting: fire
        assert process.stdin is not None
        process.stdin.write("go\n")
        process.stdin.flush()
    return [process.communicate(timeout=90)[0] for process in started[-LAUNCHES:]]


@pytest.mark.parametrize("door", DOORS)
def test_launches_racing_each_other_leave_exactly_one_instance(
    tmp_path: Path, processes: list[subprocess.Popen[str]], door: str
) -> None:
    """Four launches at once: one runs, three hand over, and the one hears all three knocks."""
    outputs = race(tmp_path / "data", door, processes)
    assert sorted(output.splitlines()[0] for output in outputs) == ["claimed"] + ["handed over"] * (LAUNCHES - 1)
    assert f"knocks {LAUNCHES - 1}" in "".join(outputs)
    assert all(process.returncode == 0 for process in processes)
    assert not lock_path(tmp_path / "data").exists()  # the winner quit cleanly: no file left


def lock_path(folder: Path) -> Path:
    """Where a POSIX instance of ``folder`` keeps its lock file (instance_lock)."""
    return runtime_folder() / f"{server_name(folder)}.lock"


@pytest.mark.parametrize("door", DOORS)
def test_after_a_crash_racing_launches_still_leave_exactly_one(
    tmp_path: Path, processes: list[subprocess.Popen[str]], door: str
) -> None:
    """kill -9 leaves the socket file behind; launches racing to replace it: still only one runs."""
    folder = tmp_path / "data"
    crashed = launch(folder, -1, door)
    processes.append(crashed)
    assert crashed.stdin is not None and crashed.stdout is not None
    crashed.stdin.write("go\n")
    crashed.stdin.flush()
    assert crashed.stdout.readline() == "claimed\n"
    crashed.send_signal(signal.SIGKILL)
    crashed.wait(timeout=10)
    if door == "platform":
        assert socket_path(server_name(folder)).is_socket()  # what a crash leaves
    assert lock_path(folder).exists()  # and its lock file, unlocked: it must not block the next launch
    outputs = race(folder, door, processes)
    assert sorted(output.splitlines()[0] for output in outputs) == ["claimed"] + ["handed over"] * (LAUNCHES - 1)
    assert f"knocks {LAUNCHES - 1}" in "".join(outputs)
    assert not lock_path(folder).exists()


def test_on_windows_the_mutex_decides_even_where_a_second_server_could_listen(qtbot: QtBot, tmp_path: Path) -> None:
    """As on Windows: the mutex is taken, so the second launch hands over and does not serve."""
    kernel32, user32 = Kernel32(), User32()
    name = server_name(tmp_path)

    def windows_instance() -> SingleInstance:
        lock = MutexLock([f"Local\\{name}", INSTALLER_MUTEX], kernel32=kernel32, last_error=kernel32.GetLastError)
        return SingleInstance(tmp_path, lock=lock, door=LocalServerDoor(name),
                              pass_foreground=lambda: allow_foreground(platform="win32", user32=user32))  # fmt: skip

    first = windows_instance()
    assert first.claim()
    second = windows_instance()
    with qtbot.waitSignal(first.show_requested, timeout=5000):
        assert not second.claim(handover_seconds=5)
    assert user32.calls == [ASFW_ANY]  # the running app may come to the front
    assert list(kernel32.open_handles.values()) == [f"Local\\{name}", INSTALLER_MUTEX]
    first.release()
    assert kernel32.open_handles == {}
    third = windows_instance()
    assert third.claim()
    third.release()


def heard(door: UnixSocketDoor) -> list[bytes]:
    """What the callers still connected have said so far."""
    return [bytes(said) for _, said in door._callers.values()]


@pytest.fixture
def door(qtbot: QtBot, tmp_path: Path) -> Iterator[UnixSocketDoor]:
    opened = UnixSocketDoor(tmp_path / "door.sock")
    assert opened.open()
    yield opened
    opened.close()


def test_the_unix_door_is_for_this_user_only_and_gone_after_quit(door: UnixSocketDoor) -> None:
    assert stat.S_IMODE(door.path.stat().st_mode) == 0o600
    door.close()
    assert not door.path.exists()
    assert not door.knock(200)  # nobody home: the launch starts afresh


def test_a_knock_sent_in_pieces_is_heard_once(qtbot: QtBot, door: UnixSocketDoor) -> None:
    """The Qt thread reads what has arrived and waits for the rest, never blocking on the socket."""
    knocks: list[None] = []
    door.knocked.connect(lambda: knocks.append(None))
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as caller:
        caller.connect(str(door.path))
        caller.sendall(SHOW[:2])
        qtbot.waitUntil(lambda: heard(door) == [SHOW[:2]], timeout=5000)  # read as it came
        assert knocks == []
        caller.sendall(SHOW[2:])
        qtbot.waitUntil(lambda: knocks == [None], timeout=5000)


def test_a_stranger_saying_something_else_is_not_a_knock(qtbot: QtBot, door: UnixSocketDoor) -> None:
    knocks: list[None] = []
    door.knocked.connect(lambda: knocks.append(None))
    for words in (b"", b"open sesame\n"):
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as caller:
            caller.connect(str(door.path))
            caller.sendall(words)
    assert door.knock(1000)
    qtbot.waitUntil(lambda: not heard(door) and knocks == [None], timeout=5000)  # all three answered


def test_a_door_that_cannot_open_leaves_the_app_running_without_the_knock(tmp_path: Path) -> None:
    """A folder that is not there (or a path too long for a socket): a warning, and claim() still wins."""
    instance = SingleInstance(tmp_path, door=UnixSocketDoor(tmp_path / "missing" / "door.sock"))
    assert instance.claim()
    assert not instance.hand_over(200)
    instance.release()


def windows_grant(user32: User32) -> bool:
    return allow_foreground(platform="win32", user32=user32)


@pytest.mark.parametrize("door_kind", DOORS)
def test_a_second_launch_lets_the_running_app_come_to_the_front_before_knocking(tmp_path: Path, door_kind: str) -> None:
    """Windows lets the running app take the foreground only if the launch passes its right on
    first (AllowSetForegroundWindow): at that call nothing has been said yet; the knock follows."""
    path = tmp_path / "door.sock"
    server = listen(path)  # the running instance's end, read by hand to see the order
    heard_at_grant: list[bytes] = []

    def at_grant() -> None:
        caller, _ = server.accept()  # the launch has connected (the grant needs someone there)
        caller.setblocking(False)
        try:
            heard_at_grant.append(caller.recv(64))
        except BlockingIOError:
            heard_at_grant.append(b"")
        callers.append(caller)

    callers: list[socket.socket] = []
    user32 = User32(on_call=at_grant)
    door = UnixSocketDoor(path) if door_kind == "platform" else LocalServerDoor(str(path))  # absolute: that socket
    launch = SingleInstance(tmp_path, door=door, pass_foreground=lambda: windows_grant(user32))
    try:
        assert launch.hand_over(1000)
        assert user32.calls == [ASFW_ANY]
        assert heard_at_grant == [b""]  # granted before the knock was sent
        callers[0].settimeout(5)
        assert callers[0].recv(64) == SHOW  # then the knock
    finally:
        for caller in callers:
            caller.close()
        server.close()


@pytest.mark.parametrize("door_kind", DOORS)
def test_a_launch_finding_nobody_passes_nothing_on(tmp_path: Path, door_kind: str) -> None:
    """The first launch knocks on an empty door: it keeps the foreground for its own window."""
    path = tmp_path / "door.sock"
    user32 = User32()
    door = UnixSocketDoor(path) if door_kind == "platform" else LocalServerDoor(str(path))
    launch = SingleInstance(tmp_path, door=door, pass_foreground=lambda: windows_grant(user32))
    assert not launch.hand_over(200)
    assert user32.calls == []
