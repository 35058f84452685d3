"""Reading the trade log without changing it: what a writer committed; a missing, new, foreign or damaged log."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from algomesh_tray.log.query import TradeQuery, select_page
from algomesh_tray.log.read_only import connect_read_only, read_recent
from algomesh_tray.log.tradelog import TradeLog

from .old_release import make_old_log
from .samples import received


def test_read_recent_sees_what_a_running_writer_committed(tmp_path: Path) -> None:
    """The history reader opens read-only beside the app's open log and sees every committed batch."""
    path = tmp_path / "trades.sqlite3"
    writer = TradeLog(path)
    writer.append_many([received(n) for n in range(1, 4)])
    assert [record.id for record in read_recent(path, 2)] == [3, 2]
    writer.append_many([received(4)])
    assert [record.id for record in read_recent(path, -1)] == [4, 3, 2, 1]
    assert read_recent(path, 1)[0] == writer.recent(1)[0]
    writer.close()


def test_read_recent_of_a_missing_log_raises_and_creates_nothing(tmp_path: Path) -> None:
    """Unlike TradeLog, reading makes no folder and no file: a log that is not there is an error."""
    with pytest.raises(sqlite3.OperationalError):
        read_recent(tmp_path / "no" / "folder" / "trades.sqlite3", 10)
    with pytest.raises(sqlite3.OperationalError):
        read_recent(tmp_path / "trades.sqlite3", 10)
    assert list(tmp_path.iterdir()) == []


def test_read_recent_of_a_log_being_created_is_empty_but_a_foreign_database_is_an_error(tmp_path: Path) -> None:
    """The app creates the file a moment before its table: a reader then sees no trades, not an error.
    A database with other tables is somebody else's and stays an error."""
    starting = tmp_path / "trades.sqlite3"
    starting.touch()
    assert read_recent(starting, 10) == []
    foreign = tmp_path / "other.sqlite3"
    with sqlite3.connect(foreign) as db:
        db.execute("CREATE TABLE orders (id INTEGER)")
    db.close()
    with pytest.raises(sqlite3.OperationalError, match="no such table: trades"):
        read_recent(foreign, 10)


def test_read_recent_of_a_damaged_log_raises_and_leaves_it_as_it_is(tmp_path: Path) -> None:
    """Damage is reported, not repaired: the file is not moved aside or rewritten by a reader."""
    path = tmp_path / "trades.sqlite3"
    path.write_bytes(b"not a database" * 100)
    with pytest.raises(sqlite3.DatabaseError):
        read_recent(path, 10)
    assert path.read_bytes() == b"not a database" * 100 and list(tmp_path.iterdir()) == [path]


def test_read_recent_of_a_log_of_the_release_before_reads_algomesh_and_changes_nothing(tmp_path: Path) -> None:
    """A log the new app has not opened yet has no engine column: its trades are AlgoMesh's, and
    reading them adds no column (nor any byte) to it."""
    path = tmp_path / "trades.sqlite3"
    make_old_log(path, [received(n) for n in range(1, 4)])
    before = path.read_bytes()
    recent = read_recent(path, -1)
    assert [(record.id, record.engine) for record in recent] == [(3, "AlgoMesh"), (2, "AlgoMesh"), (1, "AlgoMesh")]
    assert recent[0].signal == received(3).signal
    assert path.read_bytes() == before


def test_a_reader_open_across_the_migration_reads_the_new_engines(tmp_path: Path) -> None:
    """The window's reader may be open when the app adds the column: it reads the engines written
    after that, not the old logs' AlgoMesh for all."""
    path = tmp_path / "trades.sqlite3"
    make_old_log(path, [received(1)])
    reader = connect_read_only(path)
    assert [record.engine for record in select_page(reader, TradeQuery(), after=None, limit=5)] == ["AlgoMesh"]
    writer = TradeLog(path)
    writer.append_many([received(2, engine="VPS")])
    page = select_page(reader, TradeQuery(), after=None, limit=5)
    assert [record.engine for record in page] == ["VPS", "AlgoMesh"]
    assert [record.id for record in select_page(reader, TradeQuery(engine="vps"), after=None, limit=5)] == [2]
    reader.close()
    writer.close()
