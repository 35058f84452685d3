"""Scale benchmark: the trade log at a year of busy trading. Prints figures, asserts nothing.

    .venv/bin/python bench/scale.py [--signals 2000000] [--small 10000]

Builds its own logs (bulk, like tests/bulk_log.py: N signals over 365 days, 12 markets) and prints
each figure at ``--small`` signals beside the same at ``--signals``, so growth shows:

- send -> notification dispatch latency (p99, max) while the window opens on the log, the
  dashboard loads its totals and a filter runs (engine in-process at 50 signals/s, real pipeline);
- dashboard totals load; the oldest trades (a date range on the first day) and a filtered query,
  each to the first rows on screen; scrolling to the oldest: sorting the table by time, oldest
  first, until the log's first trade is at row 0; paging rate through the log (fetchMore);
- RSS with the window open (this process, offscreen Qt);
- export of every trade from the window: rows/s and the worst event-loop lag meanwhile;
- ``history --limit 0 --format csv`` to a file: rows/s and peak RSS (its own process and its helper);
- the log's bytes per signal.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from shared import SendToPopupTimer  # noqa: E402  (bench/shared.py, beside this script)

from tests.bulk_log import build_log  # noqa: E402


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def measure(path: Path, signals: int) -> dict[str, float]:
    """Every figure for one log (a copy is used for the run that writes)."""
    import qasync
    from PySide6.QtWidgets import QApplication

    from algomesh_tray.feed.listener import EngineListener
    from algomesh_tray.feed.simulator import SimulatedEngine
    from algomesh_tray.log.pipeline import SignalPipeline
    from algomesh_tray.log.query import TradeQuery
    from algomesh_tray.log.reader import TradeLogReader
    from algomesh_tray.log.recovery import open_trade_log
    from algomesh_tray.notify.dispatcher import NotificationDispatcher
    from algomesh_tray.qt.trades.trade_model import TradeTableModel
    from algomesh_tray.qt.trades.trades_window import TradesWindow
    from algomesh_tray.util.days import start_of_today

    app = QApplication.instance() or QApplication([])
    figures: dict[str, float] = {"bytes per signal": path.stat().st_size / signals}
    reader = TradeLogReader(path)

    # Reads, each timed on the reader (what the window waits for, never the writer).
    began = time.perf_counter()
    reader.totals(start_of_today()).result()
    figures["dashboard totals, ms"] = (time.perf_counter() - began) * 1000
    db_first = _first_day(path)
    began = time.perf_counter()
    reader.page(TradeQuery(since=db_first, until=db_first + 86400), after=None, limit=500).result()
    figures["oldest trades (first day), ms"] = (time.perf_counter() - began) * 1000
    began = time.perf_counter()
    reader.page(TradeQuery(text="ethusdt sell"), after=None, limit=500).result()
    figures["filtered query 'ethusdt sell', ms"] = (time.perf_counter() - began) * 1000
    # Latency while the window opens, the dashboard loads and a filter runs.
    timer = SendToPopupTimer()
    latencies = timer.latencies

    copy = path.with_name("writing.sqlite3")
    shutil.copyfile(path, copy)
    os.sync()  # the copy's 800 MB written back now, not while signals are timed
    loop_lag: list[float] = []

    async def run() -> None:
        engine = SimulatedEngine(rate=50, count=250, on_sent=timer.sent)
        await engine.start()
        dispatcher = NotificationDispatcher(timer, max_popups=1000)
        trade_log, _message = open_trade_log(copy)
        pipeline = SignalPipeline(trade_log, on_recorded=dispatcher.dispatch)
        listener = EngineListener(engine.url, on_signal=pipeline.submit)
        pipeline.start()
        listener.start()
        await asyncio.sleep(1.0)
        window_reader = TradeLogReader(copy)
        window = TradesWindow(TradeTableModel(reader=window_reader), [], app.windowIcon())
        window.show()
        window.tabs.setCurrentIndex(1)
        await asyncio.sleep(0.5)
        window.filter_edit.setText("btcusdt buy")
        window.apply_query()
        await engine.wait_done()
        deadline = time.monotonic() + 10
        while len(latencies) < 250 and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        figures["RSS window open (idle), MB"] = rss_mb()
        # Export of everything, from the window, while the loop is timed.
        target = path.with_name("export.csv")
        window.filter_edit.clear()
        window.apply_query()
        began = time.perf_counter()
        window.export_query(str(target))
        while not window.statusBar().currentMessage().startswith(("Exported", "Could not")):
            before = time.perf_counter()
            await asyncio.sleep(0.01)
            loop_lag.append(time.perf_counter() - before - 0.01)
        figures["export all, rows/s"] = signals / (time.perf_counter() - began)
        figures["event-loop lag during export, ms (max)"] = max(loop_lag, default=0.0) * 1000
        await listener.stop()
        await pipeline.close()
        await engine.close()
        window.close()
        window_reader.close()

    qasync.run(run())
    # After the RSS figure: the pages read here would stay in the allocator's arenas.
    figures["scrolling to the oldest (sort by time), ms"] = _sort_to_the_oldest(path) * 1000
    began, after, rows = time.perf_counter(), None, 0
    while rows < min(signals, 200_000):
        page = reader.page(TradeQuery(), after=after, limit=5_000).result()
        if not page:
            break
        rows += len(page)
        after = (page[-1].received_at, page[-1].id or 0)
    figures["paging through the log, rows/s"] = rows / (time.perf_counter() - began)
    reader.close()
    latencies.sort()
    figures["send -> notify p99 while window opens, ms"] = latencies[int(len(latencies) * 0.99) - 1]
    figures["send -> notify max, ms"] = latencies[-1]
    figures["send -> notify median, ms"] = statistics.median(latencies)

    # history to a file, in its own process; its peak RSS, with its helper's (parallel_csv), read from
    # /proc while it runs (getrusage would count the moment between fork and exec, with this
    # process's Qt in it).
    data_dir = path.parent
    began = time.perf_counter()
    peak = 0.0
    with (data_dir / "history.csv").open("w") as out:
        history = subprocess.Popen(
            [str(BIN / "algomesh-tray"), "history", "--data-dir", str(data_dir), "--limit", "0", "--format", "csv"],
            stdout=out,
        )
        while history.poll() is None:
            peak = max(peak, sum(map(_peak_rss_mb, [history.pid, *_children(history.pid)])))
            time.sleep(0.02)  # sampling a running process: a measurement, not a synchronisation
    figures["history csv to a file, rows/s"] = signals / (time.perf_counter() - began)
    figures["history peak RSS, MB"] = peak
    return figures


def _sort_to_the_oldest(path: Path) -> float:
    """Seconds from a click on the Time header (newest first) until the log's first trade is at
    row 0 of the table; the median of three clicks, each after newest first was shown again."""
    from PySide6.QtCore import QEventLoop, Qt
    from PySide6.QtGui import QIcon

    from algomesh_tray.log.reader import TradeLogReader
    from algomesh_tray.qt.trades.trade_model import Column, TradeTableModel
    from algomesh_tray.qt.trades.trades_window import TradesWindow

    reader = TradeLogReader(path)
    model = TradeTableModel(reader=reader)
    window = TradesWindow(model, [], QIcon())
    window.show()
    loop = QEventLoop()
    model.query_loaded.connect(loop.quit)
    loop.exec()  # the newest page, as the window opens
    times = []
    for _ in range(3):
        began = time.perf_counter()
        window.table.sortByColumn(Column.TIME, Qt.SortOrder.AscendingOrder)
        loop.exec()
        times.append(time.perf_counter() - began)
        first = window.proxy.index(0, 0)
        assert model.record_at(window.proxy.mapToSource(first).row()).id == 1, "not the first trade"
        window.table.sortByColumn(Column.TIME, Qt.SortOrder.DescendingOrder)
        loop.exec()
    window.close()
    reader.close()
    return statistics.median(times)


def _children(pid: int) -> list[int]:
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:  # it has just ended
        return []


def _peak_rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:  # it has just ended
        pass
    return 0.0


def _first_day(path: Path) -> float:
    import sqlite3

    from algomesh_tray.util.days import start_of_today

    db = sqlite3.connect(path)
    try:
        return start_of_today(float(db.execute("SELECT min(received_at) FROM trades").fetchone()[0]))
    finally:
        db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--signals", type=int, default=2_000_000, help="the big log (default 2,000,000)")
    parser.add_argument("--small", type=int, default=10_000, help="the log to compare with (default 10,000)")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)  # one log, in a process of its own
    arguments = parser.parse_args()
    if arguments.measure:
        print(json.dumps(measure(arguments.measure, arguments.signals)))
        return
    results = []
    with tempfile.TemporaryDirectory() as folder:
        for count in (arguments.small, arguments.signals):
            path = Path(folder) / str(count) / "trades.sqlite3"
            path.parent.mkdir()
            began = time.perf_counter()
            build_log(path, count)
            os.sync()
            print(f"built a log of {count:,} signals in {time.perf_counter() - began:.1f} s", file=sys.stderr)
            # Each in a fresh process: RSS and peak figures of one log, not of both.
            output = subprocess.run(
                [sys.executable, __file__, "--measure", str(path), "--signals", str(count)],
                capture_output=True, text=True, check=True,
            ).stdout  # fmt: skip
            results.append(json.loads(output.strip().splitlines()[-1]))
    small, big = results
    print(f"\n{'figure':<46} {arguments.small:>12,} {arguments.signals:>12,}")
    for name in big:
        print(f"{name:<46} {small[name]:>12,.1f} {big[name]:>12,.1f}")


if __name__ == "__main__":
    main()
