"""Persist, then hand on: what the rest of the app sees is already in the trade log."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from algomesh_tray.pipeline import SignalPipeline
from algomesh_tray.tradelog import TradeLog, TradeRecord

from .test_pipeline_faults import _received


def test_signals_are_committed_before_they_are_handed_on_and_bursts_are_batched(tmp_path: Path) -> None:
    """Another connection sees each batch at hand-on; a burst arrives in fewer batches than signals."""
    path = tmp_path / "trades.sqlite3"
    seen_in_file: list[tuple[int, int]] = []

    def on_recorded(records: list[TradeRecord]) -> None:
        with sqlite3.connect(path) as db:
            committed = db.execute("SELECT count(*) FROM trades").fetchone()[0]
        seen_in_file.append((max(r.id or 0 for r in records), committed))

    async def scenario() -> None:
        pipeline = SignalPipeline(TradeLog(path), on_recorded=on_recorded)
        pipeline.start()
        for number in range(200):
            pipeline.submit(_received(number))
        deadline = asyncio.get_running_loop().time() + 10
        while not seen_in_file or seen_in_file[-1][0] < 200:
            assert asyncio.get_running_loop().time() < deadline
            await asyncio.sleep(0.005)
        await pipeline.close()

    asyncio.run(scenario())
    assert all(committed >= last_id for last_id, committed in seen_in_file)
    assert len(seen_in_file) < 200


def test_close_writes_what_is_still_queued(tmp_path: Path) -> None:
    """Quit right after a burst: everything submitted is in the log, and the file is closed."""
    path = tmp_path / "trades.sqlite3"

    async def scenario() -> None:
        pipeline = SignalPipeline(TradeLog(path), on_recorded=lambda records: None)
        pipeline.start()
        for number in range(50):
            pipeline.submit(_received(number))
        await pipeline.close()

    asyncio.run(scenario())
    assert TradeLog(path).count() == 50
