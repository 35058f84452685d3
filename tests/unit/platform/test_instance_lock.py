"""The lock that decides which launch runs: a named mutex on Windows (through a kernel32 double
that behaves as Windows does), flock elsewhere (real files, real processes)."""

from __future__ import annotations

import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from algomesh_tray.platform.instance_lock import INSTALLER_MUTEX, FileLock, MutexLock, instance_lock

from ...windows_doubles import Kernel32


def mutexes(kernel32: Kernel32, name: str = "Local\\algomesh-tray-0123") -> MutexLock:
    return MutexLock([name, INSTALLER_MUTEX], kernel32=kernel32, last_error=kernel32.GetLastError)


def test_the_first_launch_holds_the_mutex_and_a_second_is_refused() -> None:
    """ERROR_ALREADY_EXISTS means another instance runs: refused, and its extra handle closed."""
    kernel32 = Kernel32()
    first, second = mutexes(kernel32), mutexes(kernel32)
    assert first.acquire()
    assert sorted(kernel32.open_handles.values()) == [INSTALLER_MUTEX, "Local\\algomesh-tray-0123"]
    assert not second.acquire()
    assert len(kernel32.open_handles) == 2  # the refused launch holds nothing
    first.release()
    assert kernel32.open_handles == {}
    assert second.acquire()  # the first quit: the next launch runs


def test_another_data_folder_runs_beside_and_both_hold_the_installers_mutex() -> None:
    """Instances of other data folders (--data-dir) run; every one keeps setup waiting."""
    kernel32 = Kernel32()
    first, other = mutexes(kernel32), mutexes(kernel32, "Local\\algomesh-tray-4567")
    assert first.acquire() and other.acquire()
    assert list(kernel32.open_handles.values()).count(INSTALLER_MUTEX) == 2
    first.release()
    assert INSTALLER_MUTEX in kernel32.open_handles.values()


def test_a_mutex_windows_will_not_create_does_not_stop_the_app(caplog: pytest.LogCaptureFixture) -> None:
    """CreateMutexW gives NULL (name taken by another kind of object): start anyway, and log why."""
    kernel32 = Kernel32()
    kernel32.other_objects.add("Local\\algomesh-tray-0123")
    assert mutexes(kernel32).acquire()
    assert "cannot create the mutex Local\\algomesh-tray-0123 (Windows error 6)" in caplog.text


def test_the_windows_lock_names_the_instance_in_this_session() -> None:
    """instance_lock on Windows: Local\\<socket name>, then the installer's fixed name."""
    kernel32 = Kernel32()
    lock = instance_lock("algomesh-tray-ab", platform="win32", kernel32=kernel32, last_error=kernel32.GetLastError)
    assert lock.acquire()
    assert list(kernel32.open_handles.values()) == ["Local\\algomesh-tray-ab", INSTALLER_MUTEX]


def test_a_file_lock_is_held_once(tmp_path: Path) -> None:
    """Two opens of the lock file: the second cannot lock it until the first lets go."""
    first, second = FileLock(tmp_path / "run" / "x.lock"), FileLock(tmp_path / "run" / "x.lock")
    assert first.acquire()
    assert not second.acquire()
    first.release()
    assert second.acquire()
    second.release()


def test_letting_go_removes_the_file_and_the_next_lock_makes_it_again(tmp_path: Path) -> None:
    """A clean exit leaves no file (the runtime folder may be /tmp); the next launch locks afresh."""
    path = tmp_path / "x.lock"
    first = FileLock(path)
    assert first.acquire() and path.exists()
    first.release()
    assert not path.exists()
    second = FileLock(path)
    assert second.acquire() and path.exists()
    assert not FileLock(path).acquire()
    second.release()


class QuitsAsItLocks(FileLock):
    """A launch whose lock call comes just as the running instance quits (and removes the file)."""

    def __init__(self, path: Path, holder: FileLock) -> None:
        super().__init__(path)
        self.holder: FileLock | None = holder

    def _lock(self, fd: int) -> bool | None:
        if self.holder is not None:
            self.holder.release()  # the file this launch opened is removed, then let go
            self.holder = None
        return super()._lock(fd)


def test_a_launch_that_locked_the_removed_file_locks_the_new_one(tmp_path: Path) -> None:
    """Opened before the holder removed it, locked after: that lock is on no file anyone else sees,
    so the launch opens the path afresh and holds the file there (a third launch is refused)."""
    path = tmp_path / "x.lock"
    holder = FileLock(path)
    assert holder.acquire()
    racer = QuitsAsItLocks(path, holder)
    assert racer.acquire()
    assert racer.holder is None and path.exists()
    assert not FileLock(path).acquire()
    racer.release()


def test_a_killed_instance_leaves_no_lock_behind(tmp_path: Path) -> None:
    """kill -9 of the holder: the kernel drops its lock, so the next launch runs (no stale state)."""
    path = tmp_path / "x.lock"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from pathlib import Path; from algomesh_tray.platform.instance_lock import FileLock; "
            "assert FileLock(Path(sys.argv[1])).acquire(); print('held', flush=True); sys.stdin.read()",
            str(path),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline() == "held\n"
    assert not FileLock(path).acquire()
    holder.send_signal(signal.SIGKILL)
    holder.wait(timeout=10)
    assert FileLock(path).acquire()


def test_a_folder_it_cannot_write_does_not_stop_the_app(tmp_path: Path) -> None:
    """No lock file can be made (read-only runtime folder): start, relying on the socket."""
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert FileLock(blocker / "sub" / "x.lock").acquire()


def test_the_tests_keep_instance_files_in_their_own_runtime_folder(runtime_folder: Path) -> None:
    """The suite sets XDG_RUNTIME_DIR (tests/conftest.py): no lock file of a test's app lands in /tmp."""
    lock = instance_lock("algomesh-tray-0123", platform="linux")
    assert isinstance(lock, FileLock) and lock.path == runtime_folder / "algomesh-tray-0123.lock"
    assert runtime_folder.resolve() != Path(tempfile.gettempdir()).resolve()
