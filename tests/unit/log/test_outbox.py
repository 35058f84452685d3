"""The outbox on a real SQLite file: rows written with their trades, read in order, deleted once
delivered, a backlog folded into one note (never folded again), orphans skipped however many."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from algomesh_tray.log.outbox import Backlog
from algomesh_tray.log.tradelog import TradeLog

from .samples import received


def note(backlog: Backlog) -> dict[str, Any]:
    return {"kind": "note", "title": f"{backlog.trades} not forwarded", "body": "", "since": backlog.first}


def logged(tmp_path: Path, count: int, bridges: tuple[str, ...] = ("telegram",)) -> TradeLog:
    trade_log = TradeLog(tmp_path / "trades.sqlite3")
    trade_log.append_many([received(n) for n in range(1, count + 1)], [bridges] * count)
    return trade_log


def test_rows_are_written_with_their_trades_and_read_in_order(tmp_path: Path) -> None:
    trade_log = logged(tmp_path, 3, ("telegram", "ntfy"))
    outbox = trade_log.outbox
    items = outbox.waiting("telegram", 10)
    assert [item.record.id for item in items if item.record] == [1, 2, 3]
    assert outbox.count("ntfy") == 3
    outbox.delivered("telegram", items[0])
    assert [item.record.id for item in outbox.waiting("telegram", 10) if item.record] == [2, 3]
    assert outbox.count("ntfy") == 3  # each bridge its own rows


def test_delivered_names_the_message_not_just_its_number(tmp_path: Path) -> None:
    """After a damaged log is replaced the new one numbers rows afresh: an id from the old one, or of
    another bridge, deletes nothing."""
    trade_log = logged(tmp_path, 2, ("telegram", "ntfy"))
    outbox = trade_log.outbox
    (first, *_) = outbox.waiting("telegram", 10)
    outbox.delivered("ntfy", first)  # another bridge's
    stale = type(first)(first.id, first.created_at + 1, first.record, None)
    outbox.delivered("telegram", stale)  # the same number, another message
    assert outbox.count("telegram") == 2 and outbox.count("ntfy") == 2


def test_a_long_backlog_is_one_note_then_the_newest_and_the_note_is_not_folded_again(tmp_path: Path) -> None:
    outbox = logged(tmp_path, 10).outbox
    backlog = outbox.fold("telegram", older_than=0, keep=4, now=2e9, note=note)
    assert backlog is not None and (backlog.trades, backlog.notices, backlog.stale) == (6, 0, False)
    items = outbox.waiting("telegram", 100)
    assert items[0].notice is not None and items[0].notice["title"] == "6 not forwarded"
    assert [item.record.id for item in items[1:] if item.record] == [7, 8, 9, 10]
    assert outbox.fold("telegram", older_than=0, keep=4, now=2e9, note=note) is None
    assert outbox.fold("telegram", older_than=2e9 + 1, keep=100, now=2e9, note=note).trades == 4  # type: ignore[union-attr]
    assert [item.notice["title"] for item in outbox.waiting("telegram", 100) if item.notice] == [
        "6 not forwarded",
        "4 not forwarded",
    ]


def test_more_orphans_than_a_batch_do_not_hide_what_follows(tmp_path: Path) -> None:
    """Trades deleted outside the app leave rows with nothing to send: they are skipped, however many."""
    trade_log = logged(tmp_path, 150)
    trade_log._db.execute("DELETE FROM trades WHERE id <= 149")
    items = trade_log.outbox.waiting("telegram", 100)
    assert [item.record.id for item in items if item.record] == [150]
    assert trade_log.outbox.count("telegram") == 1
