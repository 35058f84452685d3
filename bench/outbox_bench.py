"""The bridges' outbox: prints figures, asserts nothing. Run with the project's venv:

    .venv/bin/python bench/outbox_bench.py [--burst 20000] [--delivered 100000] [--backlog 10000]

Through the app's own parts (listener, pipeline, trade log with its outbox, bridges, httpx) against
local HTTP servers in a process of their own that answer as Telegram, Discord and a webhook do:

1. Popup latency: engine send -> the Notify call on the bus (dbus-monitor's time stamp, real dunst
   on a virtual desktop; storm control as the app sets it, summaries left out), median and p99 at
   ``--rate`` signals/s, without bridges and with three bridges on, side by side in one run.
2. A burst of ``--burst`` signals with three bridges on: how long until every bridge has delivered
   every one.
3. The outbox after ``--delivered`` signals delivered by one bridge: rows left, pages it holds, and
   the file's size beside the same log written without a bridge.
4. A restart with ``--backlog`` signals waiting: time from the bridge's start to its first delivery
   and to the last.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from notify_bench import _latencies, notify_calls, wait_for  # noqa: E402  (beside this script)

from algomesh_tray.bridges.delivery import Bridge  # noqa: E402
from algomesh_tray.bridges.discord import discord_request, discord_status_request  # noqa: E402
from algomesh_tray.bridges.telegram import telegram_request, telegram_status_request  # noqa: E402
from algomesh_tray.bridges.webhook import webhook_request, webhook_status_request  # noqa: E402
from algomesh_tray.feed.listener import EngineListener  # noqa: E402
from algomesh_tray.feed.protocol import ReceivedSignal, StrategySignal  # noqa: E402
from algomesh_tray.feed.simulator import SimulatedEngine  # noqa: E402
from algomesh_tray.log.pipeline import SignalPipeline  # noqa: E402
from algomesh_tray.log.tradelog import TradeLog  # noqa: E402
from algomesh_tray.notify.dispatcher import NotificationDispatcher  # noqa: E402
from algomesh_tray.notify.freedesktop import DesktopNotifier, themed_icon  # noqa: E402
from algomesh_tray.notify.notification import Notification  # noqa: E402
from tests.e2e.desktop import VirtualDesktop  # noqa: E402

KINDS = ("telegram", "discord", "webhook")
_SERVER = (
    "import sys, time\n"
    "sys.path.insert(0, sys.argv[1])\n"
    "from tests.http_fakes import FakeService\n"
    "fake = FakeService()\n"
    "fake.seen = type('Forget', (list,), {'append': lambda self, item: None})()  # keep no memory\n"
    "print(fake.url, flush=True)\n"
    "sys.stdin.read()\n"
)


class Services:
    """A local HTTP server in a process of its own (so its threads do not share our GIL)."""

    def __enter__(self) -> Services:
        self.process = subprocess.Popen([sys.executable, "-c", _SERVER, str(ROOT)], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True)  # fmt: skip
        assert self.process.stdout is not None
        self.url = self.process.stdout.readline().strip()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(10)


def bridges(url: str, client: httpx.AsyncClient, pipeline: SignalPipeline, kinds: tuple[str, ...]) -> list[Bridge]:
    """Bridges of ``kinds`` to the local server, their outbox in ``pipeline``'s log, started, and woken
    after each write as the app wakes them (``pipeline.after_write``)."""
    address = {
        "telegram": (telegram_request, telegram_status_request, {"token": "1:T", "chat_id": "42", "base_url": url}),
        "discord": (discord_request, discord_status_request, {"webhook_url": f"{url}/api/webhooks/1/S"}),
        "webhook": (webhook_request, webhook_status_request, {"url": f"{url}/hook"}),
    }
    made = []
    for kind in kinds:
        trade, notice, where = address[kind]
        bridge = Bridge(kind, lambda r, t=trade, w=where: t(r, **w), lambda n, s=notice, w=where: s(n, **w),  # type: ignore[misc]
                        client=client, outbox=pipeline.outbox, max_backlog=10**9)  # fmt: skip
        bridge.start()
        made.append(bridge)

    def wake_all() -> None:
        for bridge in made:
            bridge.wake()

    pipeline.after_write = wake_all
    return made


def signal(number: int) -> ReceivedSignal:
    raw = json.dumps({"type": "STRATEGY_SIGNAL", "n": number})
    return ReceivedSignal(StrategySignal(action="BUY" if number % 2 else "SELL", symbol="BTCUSDT", price=100.0 + number,
                                         amount=0.05, size_type="percent", order_type="Market",
                                         strategy_name="BTC_Momentum_Scalp", trade_type="live", status="EXECUTED"),
                          time.time(), raw)  # fmt: skip


async def until(predicate: Callable[[], bool], timeout: float = 3600) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError
        await asyncio.sleep(0.01)


def latency(desktop: VirtualDesktop, url: str, kinds: tuple[str, ...], rate: float, seconds: float) -> list[float]:
    """ms from engine send to Notify on the bus of each signal's own popup, with bridges of ``kinds`` on."""
    app_name = f"AlgoMesh Tray outbox {len(kinds)}"
    os.environ["DBUS_SESSION_BUS_ADDRESS"] = desktop.env["DBUS_SESSION_BUS_ADDRESS"]
    sent_at: dict[str, float] = {}
    shown: list[tuple[Notification, float]] = []

    def on_shown(notification: Notification) -> None:
        assert notification.record is not None
        shown.append((notification, sent_at[notification.record.raw]))

    async def run() -> None:
        engine = SimulatedEngine(rate=rate, count=int(rate * seconds),
                                 on_sent=lambda f: sent_at.__setitem__(f, time.time()))  # fmt: skip
        await engine.start()
        notifier = DesktopNotifier(app_name=app_name, app_icon=themed_icon())
        assert await notifier.ready() is not None, notifier.failure
        dispatcher = NotificationDispatcher(notifier, max_popups=5, on_shown=on_shown)  # the app's default
        with tempfile.TemporaryDirectory() as folder:
            async with httpx.AsyncClient(timeout=10) as client:
                pipeline = SignalPipeline(TradeLog(Path(folder) / "t.sqlite3"), on_recorded=dispatcher.dispatch)
                pipeline.route = lambda s: kinds
                running = bridges(url, client, pipeline, kinds)
                listener = EngineListener(engine.url, on_signal=pipeline.submit)
                pipeline.start()
                listener.start()
                await engine.wait_done()
                await wait_for(lambda: len(notify_calls(desktop.notify_log, app_name)) >= len(shown), 60)
                await listener.stop()
                for bridge in running:
                    await bridge.close()
                await pipeline.close()
        notifier.close()
        await engine.close()

    asyncio.run(run())
    desktop.dismiss_notifications()
    return sorted(_latencies(notify_calls(desktop.notify_log, app_name), shown))


def burst(url: str, count: int, kinds: tuple[str, ...], folder: Path) -> tuple[float, Path]:
    """Seconds from the first of ``count`` signals logged at once until every bridge delivered all."""

    async def run() -> float:
        async with httpx.AsyncClient(timeout=10) as client:
            pipeline = SignalPipeline(TradeLog(folder / "burst.sqlite3"), on_recorded=lambda records: None)
            pipeline.route = lambda s: kinds
            running = bridges(url, client, pipeline, kinds)
            pipeline.start()
            started = time.perf_counter()
            for number in range(count):
                pipeline.submit(signal(number))
            await until(lambda: all(bridge.status.sent == count for bridge in running))
            took = time.perf_counter() - started
            for bridge in running:
                await bridge.close()
            await pipeline.close()
            return took

    return asyncio.run(run()), folder / "burst.sqlite3"


def outbox_pages(path: Path) -> tuple[int, int, int]:
    """(rows in the outbox, pages of the outbox and its index, the file's size in bytes)."""
    with sqlite3.connect(path) as db:
        (rows,) = db.execute("SELECT count(*) FROM outbox").fetchone()
        try:
            (pages,) = db.execute("SELECT count(*) FROM dbstat WHERE name IN ('outbox', 'outbox_by_bridge')").fetchone()
        except sqlite3.OperationalError:  # SQLite built without dbstat
            pages = -1
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return rows, pages, path.stat().st_size


def plain_log(count: int, folder: Path) -> Path:
    """The same signals in a log written without a bridge, for the size beside it."""

    async def run() -> None:
        done: list[int] = []
        pipeline = SignalPipeline(TradeLog(folder / "plain.sqlite3"), on_recorded=lambda r: done.append(len(r)))
        pipeline.start()
        for number in range(count):
            pipeline.submit(signal(number))
        await until(lambda: sum(done) == count)
        await pipeline.close()

    asyncio.run(run())
    with sqlite3.connect(folder / "plain.sqlite3") as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return folder / "plain.sqlite3"


def resume(url: str, count: int, folder: Path) -> tuple[float, float]:
    """A log with ``count`` signals waiting for the webhook bridge (written while none ran); then the
    bridge starts: seconds to its first delivery and to its last."""

    async def write() -> None:
        done: list[int] = []
        pipeline = SignalPipeline(TradeLog(folder / "backlog.sqlite3"), on_recorded=lambda r: done.append(len(r)))
        pipeline.route = lambda s: ("webhook",)
        pipeline.start()
        for number in range(count):
            pipeline.submit(signal(number))
        await until(lambda: sum(done) == count)
        await pipeline.close()

    async def restart() -> tuple[float, float]:
        async with httpx.AsyncClient(timeout=10) as client:
            started = time.perf_counter()
            pipeline = SignalPipeline(TradeLog(folder / "backlog.sqlite3"), on_recorded=lambda r: None)
            pipeline.start()
            (bridge,) = bridges(url, client, pipeline, ("webhook",))
            await until(lambda: bridge.status.sent >= 1)
            first = time.perf_counter() - started
            await until(lambda: bridge.status.sent == count)
            last = time.perf_counter() - started
            await bridge.close()
            await pipeline.close()
            return first, last

    asyncio.run(write())
    return asyncio.run(restart())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=20, help="signals/s for the latency (default 20)")
    parser.add_argument("--seconds", type=float, default=15, help="seconds of latency feed each (default 15)")
    parser.add_argument("--burst", type=int, default=20_000, help="burst size, three bridges (default 20000)")
    parser.add_argument(
        "--delivered", type=int, default=100_000, help="signals delivered by one bridge (default 100000)"
    )
    parser.add_argument("--backlog", type=int, default=10_000, help="backlog a restart resumes (default 10000)")
    parser.add_argument("--latency-only", action="store_true", help="only the popup latency, side by side")
    arguments = parser.parse_args()
    rows: list[tuple[str, str]] = []
    with Services() as services, tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        desktop = VirtualDesktop(folder, system_tray=False).start()
        try:
            for kinds in ((), KINDS):
                found = latency(desktop, services.url, kinds, arguments.rate, arguments.seconds)
                label = "three bridges" if kinds else "no bridge"
                p99 = found[max(0, int(len(found) * 0.99) - 1)]
                rows.append(
                    (f"send -> Notify, {label}: median / p99 ms", f"{statistics.median(found):.1f} / {p99:.1f}")
                )
        finally:
            desktop.stop()
        print("latency done", file=sys.stderr, flush=True)
        if arguments.latency_only:
            print("\n".join(f"{name}  {value}" for name, value in rows))
            return
        took, _ = burst(services.url, arguments.burst, KINDS, folder)
        rows.append((f"{arguments.burst:,}-signal burst, 3 bridges: all delivered in, s", f"{took:.1f}"))
        rows.append(("... messages per second, all bridges", f"{3 * arguments.burst / took:,.0f}"))
        print("burst done", file=sys.stderr, flush=True)
        (folder / "burst.sqlite3").unlink()
        took, path = burst(services.url, arguments.delivered, ("webhook",), folder)
        outbox_rows, pages, size = outbox_pages(path)
        plain_size = plain_log(arguments.delivered, folder).stat().st_size
        rows.append((f"after {arguments.delivered:,} delivered: outbox rows / pages", f"{outbox_rows} / {pages}"))
        rows.append(("... log file MB, with / without the bridge", f"{size / 2**20:.1f} / {plain_size / 2**20:.1f}"))
        print("outbox size done", file=sys.stderr, flush=True)
        first, last = resume(services.url, arguments.backlog, folder)
        rows.append(
            (f"restart with {arguments.backlog:,} waiting: first / last delivered, s", f"{first:.2f} / {last:.1f}")
        )
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")


if __name__ == "__main__":
    main()
