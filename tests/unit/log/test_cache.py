"""The page cache of the trade log's connections, sized for a tray app: a long scroll or a stream of
appends on a big log leaves SQLite holding about 0.5 MB per connection, not its default 2 MB."""

from __future__ import annotations

import ctypes
import ctypes.util
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from algomesh_tray.log.query import Key, TradeQuery, select_page
from algomesh_tray.log.read_only import connect_read_only
from algomesh_tray.log.tradelog import TradeLog

from ...bulk_log import build_log
from .samples import received


def sqlite_memory() -> Callable[[], int]:
    """sqlite3_memory_used of the library Python's sqlite3 runs on (skips where it is not a shared one)."""
    name = ctypes.util.find_library("sqlite3")
    if name is None:
        pytest.skip("no shared SQLite library to ask")
    library = ctypes.CDLL(name)
    library.sqlite3_memory_used.restype = ctypes.c_int64
    library.sqlite3_libversion.restype = ctypes.c_char_p
    if library.sqlite3_libversion().decode() != sqlite3.sqlite_version:
        pytest.skip("Python's sqlite3 runs on another SQLite than the shared one")
    return lambda: int(library.sqlite3_memory_used())


@pytest.fixture(scope="module")
def big_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cache") / "trades.sqlite3"
    build_log(path, 100_000)
    return path


def test_scrolling_the_whole_log_keeps_at_most_about_half_a_megabyte_of_pages(big_log: Path) -> None:
    """1,000 pages of 100, newest first, as the trades window reads them."""
    used = sqlite_memory()
    db = connect_read_only(big_log)
    try:
        before, count = used(), 0
        after: Key | None = None
        while page := select_page(db, TradeQuery(), after=after, limit=100):
            count += len(page)
            after = (page[-1].received_at, page[-1].id)
        assert count == 100_000
        assert used() - before < 900_000  # 2.0 MB with SQLite's default cache
    finally:
        db.close()


def test_appending_to_a_big_log_keeps_at_most_about_half_a_megabyte_of_pages(big_log: Path, tmp_path: Path) -> None:
    used = sqlite_memory()
    copy = tmp_path / "trades.sqlite3"
    copy.write_bytes(big_log.read_bytes())
    log = TradeLog(copy)
    try:
        before = used()
        for number in range(3000):
            log.append_many([received(number)])
        assert used() - before < 900_000  # 1.3 MB with SQLite's default cache
    finally:
        log.close()
