"""Private by default: the app's folders 0700 and files 0600 whatever the umask, tightened when an
older version left them open; a folder the user chose is left as made, with a warning."""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from algomesh_tray.log.recovery import open_trade_log
from algomesh_tray.log.tradelog import TradeLog
from algomesh_tray.platform.paths import APP_NAME, AppPaths, PrivateRotatingFileHandler
from algomesh_tray.settings import Settings, save_settings

from .conftest import make_received

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def open_umask() -> Iterator[None]:
    """The usual umask (022), under which files would be 0644 and folders 0755 by default."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def platform_paths(home: Path) -> AppPaths:
    """The platform's folders as on Linux: config, data, and the log in the state folder's log/."""
    return AppPaths(
        home / ".config" / APP_NAME / "settings.json",
        home / ".local" / "share" / APP_NAME / "trades.sqlite3",
        home / ".local" / "state" / APP_NAME / "log" / "algomesh-tray.log",
    )


def test_a_new_trade_log_and_its_wal_and_shm_are_private(tmp_path: Path) -> None:
    """Created by the app: folder 0700, the log and its -wal/-shm 0600."""
    path = tmp_path / "new" / "trades.sqlite3"
    trade_log, message = open_trade_log(path)
    trade_log.append_many([make_received(1)])
    assert message is None
    assert mode(path.parent) == 0o700
    for suffix in ("", "-wal", "-shm"):
        assert mode(Path(f"{path}{suffix}")) == 0o600, suffix
    trade_log.close()


def test_an_older_versions_log_is_made_private_on_opening(tmp_path: Path) -> None:
    """A log and WAL left 0644: 0600 once the app opens them."""
    path = tmp_path / "trades.sqlite3"
    TradeLog(path).append_many([make_received(1)])
    for suffix in ("", "-wal", "-shm"):
        os.chmod(f"{path}{suffix}", 0o644)
    reopened = TradeLog(path)
    assert [mode(Path(f"{path}{suffix}")) for suffix in ("", "-wal", "-shm")] == [0o600] * 3
    reopened.close()


def test_settings_are_saved_private_in_a_private_folder(tmp_path: Path) -> None:
    """The settings file 0600 (bridges' chat ids, the engine's address), its new folder 0700."""
    path = tmp_path / "config" / "settings.json"
    save_settings(path, Settings())
    assert (mode(path.parent), mode(path)) == (0o700, 0o600)
    os.chmod(path, 0o644)  # as an older version left it
    save_settings(path, Settings())
    assert mode(path) == 0o600


def test_the_log_file_and_each_rotation_are_private(tmp_path: Path) -> None:
    """Created 0600, and so is the fresh file after a rotation."""
    path = tmp_path / "algomesh-tray.log"
    handler = PrivateRotatingFileHandler(path, maxBytes=200, backupCount=2, encoding="utf-8")
    logger = logging.getLogger("test_private_files")
    logger.addHandler(handler)
    try:
        for number in range(20):
            logger.warning("line %d of some length to make it rotate", number)
    finally:
        logger.removeHandler(handler)
        handler.close()
    assert Path(f"{path}.1").exists()
    assert [mode(p) for p in (path, Path(f"{path}.1"))] == [0o600, 0o600]


def test_folders_and_files_an_older_version_left_open_are_tightened(tmp_path: Path) -> None:
    """0755 folders (the app's own, from its folder down) and 0644 files: 0700 and 0600; the
    shared parents (~/.config, ~/.local/state) are not the app's and are left alone."""
    paths = platform_paths(tmp_path)
    for file in (paths.settings_file, paths.trade_log, paths.log_file, Path(f"{paths.log_file}.1")):
        file.parent.mkdir(parents=True, exist_ok=True, mode=0o755)
        file.write_text("x")
        os.chmod(file, 0o644)
    assert mode(paths.log_file.parent) == 0o755
    assert paths.make_private() == []
    for folder in (paths.settings_file.parent, paths.trade_log.parent, paths.log_file.parent,
                   paths.log_file.parent.parent):  # fmt: skip
        assert mode(folder) == 0o700, folder
    for file in (paths.settings_file, paths.trade_log, paths.log_file, Path(f"{paths.log_file}.1")):
        assert mode(file) == 0o600, file
    assert mode(tmp_path / ".config") == 0o755 and mode(tmp_path / ".local" / "state") == 0o755


def test_a_chosen_folder_is_left_as_made_with_a_warning_if_others_can_read_it(tmp_path: Path) -> None:
    """--data-dir DIR made by the user 0755: not changed, one warning saying how to fix it; one
    made 0700 by the user: no warning; one that does not exist yet: created 0700."""
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    os.chmod(shared, 0o755)
    (warning,) = AppPaths.resolve(shared).make_private()
    assert mode(shared) == 0o755
    assert str(shared) in warning and "other accounts" in warning and f"chmod 700 {shared}" in warning
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    assert AppPaths.resolve(private).make_private() == []
    new = tmp_path / "new"
    assert AppPaths.resolve(new).make_private() == []
    assert mode(new) == 0o700


def test_tightening_takes_others_access_away_and_never_gives_the_owner_more(tmp_path: Path) -> None:
    """A trade log someone made read-only (0444) becomes 0400, not writable 0600: the app must not
    undo a read-only folder's protection (it then reports that the log cannot be written)."""
    paths = AppPaths.resolve(tmp_path / "data")
    paths.trade_log.parent.mkdir()
    paths.trade_log.write_bytes(b"")
    paths.trade_log.chmod(0o444)
    paths.make_private()
    assert stat.S_IMODE(paths.trade_log.stat().st_mode) == 0o400
