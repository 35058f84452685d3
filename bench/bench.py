"""Benchmark: prints figures, asserts nothing. Run with the project's venv:

    .venv/bin/python bench/bench.py [--signals 20000] [--runs 5]
    .venv/bin/python bench/bench.py --desktop-only --app dist/algomesh-tray/algomesh-tray   # the bundle

1. Throughput: the simulated engine (its own process) sends a burst; measured side by side,
   the bare client of the engine's API page (recv + json.loads) and the app's own pipeline
   (offscreen Qt, qasync loop, parse, SQLite trade log, table model, notification dispatch
   counted but not shown).
2. Start-up: launch of the installed ``algomesh-tray`` to "tray docked and engine connected"
   on a real virtual desktop (Xvfb + trayer + dunst), median of runs.
3. Memory: RSS of that app idle (window closed), then after a burst of signals.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))

from shared import SendToPopupTimer, logged_trades  # noqa: E402  (bench/shared.py, beside this script)

from tests.e2e.desktop import VirtualDesktop  # noqa: E402
from tests.waiting import wait_until  # noqa: E402


def start_engine(*arguments: str) -> tuple[subprocess.Popen[str], str]:
    engine = subprocess.Popen(
        [str(BIN / "algomesh-tray-engine"), "--port", "0", *arguments],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    assert engine.stderr is not None
    for line in engine.stderr:
        if url := re.search(r"ws://\S+", line):
            return engine, url.group(0)
    raise RuntimeError("the simulated engine did not start")


async def bare_client(url: str, count: int) -> float:
    """The API page's client, made to run: recv + json.loads, nothing else. Returns seconds."""
    import websockets

    async with websockets.connect(url, max_size=2**24) as websocket:
        first = None
        for _ in range(count):
            payload = json.loads(await websocket.recv())
            first = first or time.perf_counter()
            assert payload["type"] == "STRATEGY_SIGNAL"
        return time.perf_counter() - first  # type: ignore[operator]


def bench_bare(count: int) -> float:
    engine, url = start_engine("--rate", "1000000", "--count", str(count))
    try:
        return count / asyncio.run(bare_client(url, count))
    finally:
        engine.terminate()
        engine.wait()


def bench_app_pipeline(count: int) -> tuple[float, float, int]:
    """(signals/s, worst event-loop lag in ms, signals lost) through the app's own parts."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import qasync
    from PySide6.QtWidgets import QApplication

    from algomesh_tray.feed.listener import EngineListener
    from algomesh_tray.log.pipeline import SignalPipeline
    from algomesh_tray.log.tradelog import TradeLog
    from algomesh_tray.notify.dispatcher import NotificationDispatcher
    from algomesh_tray.notify.notification import Notification
    from algomesh_tray.qt.trades.trade_model import TradeTableModel
    from algomesh_tray.qt.trades.trades_window import TradesWindow

    class CountingNotifier:
        def __init__(self) -> None:
            self.count = 0

        def show(self, notification: Notification) -> None:
            self.count += 1

        def close(self) -> None:
            pass

    app = QApplication.instance() or QApplication([])
    engine, url = start_engine("--rate", "1000000", "--count", str(count))

    async def run() -> tuple[float, float, int]:
        recorded = 0
        first = last = 0.0
        model = TradeTableModel()
        window = TradesWindow(model, [], app.windowIcon())
        window.show()
        dispatcher = NotificationDispatcher(CountingNotifier())
        gc.freeze()  # as the app does once it is up

        def on_recorded(records: list) -> None:  # type: ignore[type-arg]
            nonlocal recorded, first, last
            first = first or time.perf_counter()
            recorded += len(records)
            last = time.perf_counter()
            model.add_records(records)
            dispatcher.dispatch(records)

        with tempfile.TemporaryDirectory() as folder:
            pipeline = SignalPipeline(TradeLog(Path(folder) / "trades.sqlite3"), on_recorded=on_recorded)
            listener = EngineListener(url, on_signal=pipeline.submit)
            pipeline.start()
            listener.start()
            worst_lag = 0.0
            deadline = time.monotonic() + 120
            while recorded < count and time.monotonic() < deadline:
                before = time.perf_counter()
                await asyncio.sleep(0.01)
                worst_lag = max(worst_lag, time.perf_counter() - before - 0.01)
            await listener.stop()
            await pipeline.close()
            logged = TradeLog(Path(folder) / "trades.sqlite3").count()
        window.close()
        return recorded / (last - first), worst_lag * 1000, count - logged

    try:
        return qasync.run(run())  # type: ignore[no-any-return]
    finally:
        engine.terminate()
        engine.wait()


def bench_latency(rate: float = 50, count: int = 500) -> tuple[float, float]:
    """(median, p99) ms from the engine's send to notification dispatch, at a trader's pace.

    The engine runs on the same loop here, so both times come from one clock.
    """
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import qasync
    from PySide6.QtWidgets import QApplication

    from algomesh_tray.feed.listener import EngineListener
    from algomesh_tray.feed.simulator import SimulatedEngine
    from algomesh_tray.log.pipeline import SignalPipeline
    from algomesh_tray.log.tradelog import TradeLog
    from algomesh_tray.notify.dispatcher import NotificationDispatcher

    QApplication.instance() or QApplication([])
    timer = SendToPopupTimer()
    latencies = timer.latencies

    async def run() -> None:
        engine = SimulatedEngine(rate=rate, count=count, on_sent=timer.sent)
        await engine.start()
        dispatcher = NotificationDispatcher(timer, max_popups=1000)
        with tempfile.TemporaryDirectory() as folder:
            pipeline = SignalPipeline(TradeLog(Path(folder) / "t.sqlite3"), on_recorded=dispatcher.dispatch)
            listener = EngineListener(engine.url, on_signal=pipeline.submit)
            pipeline.start()
            listener.start()
            await engine.wait_done()
            deadline = time.monotonic() + 10
            while len(latencies) < count and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            await listener.stop()
            await pipeline.close()
        await engine.close()

    qasync.run(run())
    latencies.sort()
    return statistics.median(latencies), latencies[int(len(latencies) * 0.99) - 1]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def bench_desktop(app_path: Path, runs: int, burst: int) -> tuple[list[float], float, float]:
    """Start-up seconds per run, idle RSS MB, RSS MB after ``burst`` signals."""
    with tempfile.TemporaryDirectory() as folder:
        desktop = VirtualDesktop(Path(folder)).start()
        # As installed for a user: bytecode cached (a sandbox may set PYTHONDONTWRITEBYTECODE, which
        # would make every launch of an editable install compile the app afresh), and compiled up
        # front: a module first imported during the measured run would count the compiler's memory.
        env = {key: value for key, value in desktop.env.items() if key != "PYTHONDONTWRITEBYTECODE"}
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "algomesh_tray")], env=env, check=True)
        try:
            startups: list[float] = []
            idle = after = float("nan")
            for run in range(runs):
                last = run == runs - 1
                engine, url = start_engine(
                    "--rate", "10000", "--count", str(burst) if last else "0", "--start-after", "8"
                )  # fmt: skip
                port = url.rsplit(":", 1)[1].split("/")[0]
                log_path = Path(folder) / f"app-{run}.log"
                with log_path.open("w") as log:
                    began = time.perf_counter()
                    app = subprocess.Popen(
                        [str(app_path), "--data-dir", f"{folder}/data-{run}", "--port", port],
                        env=env,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                    )
                    wait_until(lambda p=log_path: "engine connected" in p.read_text(), 30, "app ready", interval=0.005)
                    startups.append(time.perf_counter() - began)
                    if last:
                        time.sleep(5)  # idle on purpose (the engine waits 8 s): a measurement, not a sync
                        idle = rss_mb(app.pid)
                        data = Path(folder) / f"data-{run}" / "trades.sqlite3"
                        wait_until(
                            lambda d=data: logged_trades(d) >= burst, 120, "the burst to be logged", interval=0.2
                        )
                        after = rss_mb(app.pid)
                    app.terminate()
                    app.wait(timeout=20)
                engine.terminate()
                engine.wait()
            return startups, idle, after
        finally:
            desktop.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--signals", type=int, default=20_000, help="burst size (default 20000)")
    parser.add_argument("--runs", type=int, default=5, help="start-up runs (default 5)")
    parser.add_argument(
        "--app",
        type=Path,
        default=BIN / "algomesh-tray",
        help="the program started for start-up and memory (default: this venv's algomesh-tray)",
    )
    parser.add_argument("--desktop-only", action="store_true", help="only start-up and memory, e.g. of a bundle")
    arguments = parser.parse_args()

    burst = 100_000 if arguments.signals >= 20_000 else 10_000
    startups, idle, after = bench_desktop(arguments.app.resolve(), arguments.runs, burst)
    rows = [
        ("launch to tray + connected, s (median)", f"{statistics.median(startups):.2f}", "<= 0.5"),
        ("idle RSS, MB (window closed, real X)", f"{idle:.1f}", "<= 80"),
        ("RSS growth after burst, MB", f"{after - idle:.1f}", "<= 20"),
    ]
    if not arguments.desktop_only:
        rows = _throughput_rows(arguments.signals) + rows
    print(f"\n{'figure':<42} {'measured':>12}  target")
    for name, value, target in rows:
        print(f"{name:<42} {value:>12}  {target}")


def _throughput_rows(signals: int) -> list[tuple[str, str, str]]:
    bare = bench_bare(signals)
    app_rate, lag_ms, lost = bench_app_pipeline(signals)
    median_ms, p99_ms = bench_latency()
    return [
        ("bare client (API page), signals/s", f"{bare:,.0f}", "the limit"),
        ("app pipeline, signals/s (window open)", f"{app_rate:,.0f}", ">= 10,000"),
        ("bare / app time ratio", f"{bare / app_rate:.2f}", "<= 2.0"),
        ("event-loop lag during burst, ms", f"{lag_ms:.0f}", "<= 100"),
        ("signals lost", f"{lost}", "0"),
        ("latency send -> notify at 50/s, median ms", f"{median_ms:.1f}", ""),
        ("latency send -> notify at 50/s, p99 ms", f"{p99_ms:.1f}", "<= 10"),
    ]


if __name__ == "__main__":
    main()
