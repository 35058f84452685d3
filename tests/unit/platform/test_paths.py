"""Where the app keeps its files: --data-dir, then ALGOMESH_TRAY_DATA_DIR, then the platform's folders."""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from algomesh_tray.platform.paths import APP_NAME, DATA_DIR_ENV, AppPaths, PrivateRotatingFileHandler


@pytest.fixture
def no_env_dir(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No data folder chosen through the environment (whatever the developer's shell has set)."""
    monkeypatch.delenv(DATA_DIR_ENV, raising=False)
    return monkeypatch


def test_data_dir_argument_puts_every_file_in_that_folder(tmp_path: Path, no_env_dir: pytest.MonkeyPatch) -> None:
    """--data-dir DIR: settings, trade log and log file side by side in DIR."""
    paths = AppPaths.resolve(tmp_path / "chosen")
    assert paths == AppPaths(
        tmp_path / "chosen" / "settings.json",
        tmp_path / "chosen" / "trades.sqlite3",
        tmp_path / "chosen" / "algomesh-tray.log",
        chosen=True,
    )


def test_the_environment_variable_is_used_without_an_argument(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """ALGOMESH_TRAY_DATA_DIR moves every file when no --data-dir is given."""
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "from-env"))
    paths = AppPaths.resolve()
    assert {paths.settings_file.parent, paths.trade_log.parent, paths.log_file.parent} == {tmp_path / "from-env"}


def test_the_argument_wins_over_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """--data-dir is the more specific choice."""
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "from-env"))
    assert AppPaths.resolve(str(tmp_path / "chosen")).trade_log == tmp_path / "chosen" / "trades.sqlite3"


def test_a_relative_folder_is_made_absolute(tmp_path: Path, no_env_dir: pytest.MonkeyPatch) -> None:
    """A relative --data-dir is fixed at start-up, so a later change of directory cannot move the files."""
    no_env_dir.chdir(tmp_path)
    paths = AppPaths.resolve("relative/dir")
    assert paths.settings_file.is_absolute()
    assert paths.settings_file == tmp_path.resolve() / "relative" / "dir" / "settings.json"


@pytest.mark.skipif(sys.platform == "win32", reason="HOME decides ~ on POSIX only")
def test_a_tilde_means_the_home_folder(tmp_path: Path, no_env_dir: pytest.MonkeyPatch) -> None:
    """'~/tray' from a config or a shell without expansion is the user's home."""
    no_env_dir.setenv("HOME", str(tmp_path))
    assert AppPaths.resolve("~/tray").log_file == tmp_path.resolve() / "tray" / "algomesh-tray.log"


def test_resolving_creates_nothing(tmp_path: Path, no_env_dir: pytest.MonkeyPatch) -> None:
    """Folders are made by whoever writes first, not by working out the names."""
    AppPaths.resolve(tmp_path / "not-yet")
    assert not (tmp_path / "not-yet").exists()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="XDG folders are the Linux convention")
@pytest.mark.parametrize("env_value", [None, ""])
def test_without_a_choice_the_platforms_folders_are_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, env_value: str | None
) -> None:
    """No argument and no (or an empty) variable: config, data and state folders per the XDG spec."""
    if env_value is None:
        monkeypatch.delenv(DATA_DIR_ENV, raising=False)
    else:
        monkeypatch.setenv(DATA_DIR_ENV, env_value)
    for name in ("CONFIG", "DATA", "STATE"):
        monkeypatch.setenv(f"XDG_{name}_HOME", str(tmp_path / name.lower()))
    paths = AppPaths.resolve()
    assert paths.settings_file == tmp_path / "config" / APP_NAME / "settings.json"
    assert paths.trade_log == tmp_path / "data" / APP_NAME / "trades.sqlite3"
    assert paths.log_file.is_relative_to(tmp_path / "state" / APP_NAME)
    assert paths.log_file.name == "algomesh-tray.log"


def test_aside_path_never_overwrites_an_earlier_copy(tmp_path: Path) -> None:
    """Two damaged files in the same second get two names."""
    from algomesh_tray.platform.paths import aside_path

    original = tmp_path / "settings.json"
    first = aside_path(original)
    first.write_text("one")
    second = aside_path(original)
    assert second != first and second.name.startswith(first.name) and not second.exists()


@contextlib.contextmanager
def rotating_log(path: Path, name: str) -> Iterator[logging.Logger]:
    """A logger of its own writing to ``path`` through the app's handler (100 bytes, 2 kept), closed after."""
    handler = PrivateRotatingFileHandler(path, maxBytes=100, backupCount=2, encoding="utf-8")
    logger = logging.getLogger(name)
    logger.propagate = False
    logger.addHandler(handler)
    try:
        yield logger
    finally:
        logger.removeHandler(handler)
        handler.close()


def test_the_log_file_rotates_as_logging_handlers_does_keeping_the_newest_lines(tmp_path: Path) -> None:
    """Before a line would take it to maxBytes the file moves to .1 (.1 to .2); the oldest beyond
    backupCount goes, and what is kept is the newest lines, in order, none lost between files."""
    path = tmp_path / "algomesh-tray.log"
    with rotating_log(path, "test_paths_rotation") as logger:
        for number in range(40):
            logger.warning("line %02d", number)  # 8 characters with its newline
    files = [Path(f"{path}.2"), Path(f"{path}.1"), path]
    assert not Path(f"{path}.3").exists()
    kept = [line for file in files for line in file.read_text().splitlines()]
    assert kept == [f"line {number:02d}" for number in range(40 - len(kept), 40)]
    assert [len(file.read_text()) for file in files[:2]] == [96, 96]  # 12 lines: a 13th would reach 104


def test_a_log_file_deleted_while_the_app_runs_is_written_anew_at_the_next_rotation(tmp_path: Path) -> None:
    """Deleted (or moved) by hand, the file is not written to forever, unseen: the rotation that
    comes due opens a new one, as the standard library's handler does."""
    path = tmp_path / "algomesh-tray.log"
    with rotating_log(path, "test_paths_deleted") as logger:
        logger.warning("line 00")
        path.unlink()
        for number in range(1, 20):
            logger.warning("line %02d", number)
    assert path.read_text().splitlines()[-1] == "line 19"
    assert oct(path.stat().st_mode & 0o777) == "0o600"
