"""Notification benchmark: prints figures, asserts nothing. Run with the project's venv:

    .venv/bin/python bench/notify_bench.py [--rate 50] [--seconds 10]

On a virtual desktop with real dunst, dbus-monitor as the witness, side by side for the D-Bus
backend (notify/freedesktop) and the plyer backend (notify-send):

1. Latency: engine send (the simulated engine's clock) -> the Notify call on the bus (dbus-monitor's
   time stamp), median and p99, at ``--rate`` signals/s through the app's real path (listener,
   trade log, dispatcher). Storm control is set wide so that every signal gets a popup.
2. CPU per popup: the whole app path (engine, listener, log, dispatcher and backend; the engine runs
   in this process) per popup shown; then the backend alone (popups straight to it at 10/s, less an
   idle loop), this process plus its children (notify-send), and dunst's.
3. The D-Bus backend's own cost: jeepney's import time and the memory of an idle connection.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from algomesh_tray.feed.listener import EngineListener  # noqa: E402
from algomesh_tray.feed.simulator import SimulatedEngine  # noqa: E402
from algomesh_tray.log.pipeline import SignalPipeline  # noqa: E402
from algomesh_tray.log.tradelog import TradeLog  # noqa: E402
from algomesh_tray.notify.dispatcher import SUMMARY_TAG, NotificationDispatcher  # noqa: E402
from algomesh_tray.notify.freedesktop import DesktopNotifier, themed_icon  # noqa: E402
from algomesh_tray.notify.notification import Notification, Notifier  # noqa: E402
from algomesh_tray.notify.plyer_backend import PlyerNotifier  # noqa: E402
from algomesh_tray.platform.resources import notification_icon  # noqa: E402  (the plyer backend, as the app gives it)
from algomesh_tray.util.formatting import escape_markup  # noqa: E402
from tests.e2e.desktop import VirtualDesktop  # noqa: E402

APP_NAME = "AlgoMesh Tray"
_MESSAGE = re.compile(r"^(?=(?:method call|method return|signal|error) time=)", re.M)


def notify_calls(log: Path, app_name: str) -> list[tuple[float, str, str]]:
    """(wall-clock time dbus-monitor saw it, summary, body) of each Notify of ``app_name``, in order."""
    calls = []
    for block in _MESSAGE.split(log.read_text(errors="replace")):
        if not block.startswith("method call") or "member=Notify\n" not in block:
            continue
        strings = re.findall(r'^   string "(.*?)"$', block, flags=re.M | re.S)
        when = re.match(r"method call time=(\d+\.\d+)", block)
        if when and len(strings) >= 4 and strings[0] == app_name:
            calls.append((float(when.group(1)), strings[2], strings[3]))
    return calls


def cpu_seconds(pid: int) -> float:
    """User + system CPU of another process so far (from /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def own_cpu_seconds() -> float:
    """This process and its finished children (notify-send), user + system."""
    mine, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return mine.ru_utime + mine.ru_stime + children.ru_utime + children.ru_stime


def dunst_pid(desktop: VirtualDesktop) -> int:
    return next(process.pid for process in desktop._processes if process.args[0] == "dunst")  # type: ignore[index]


def run_feed(desktop: VirtualDesktop, backend: str, rate: float, seconds: float, max_popups: int) -> dict[str, float]:
    """Feed the app's path for ``seconds`` at ``rate``; latency and CPU figures of ``backend``."""
    count = int(rate * seconds)
    app_name = f"{APP_NAME} {backend}"
    sent_at: dict[str, float] = {}
    shown: list[tuple[Notification, float]] = []  # each popup asked for, and its signal's send time
    late: list[Notification] = []
    os.environ["DBUS_SESSION_BUS_ADDRESS"] = desktop.env["DBUS_SESSION_BUS_ADDRESS"]
    os.environ["DISPLAY"] = desktop.env["DISPLAY"]

    def on_shown(notification: Notification) -> None:
        assert notification.record is not None
        shown.append((notification, sent_at[notification.record.raw]))

    async def run() -> tuple[float, float]:
        engine = SimulatedEngine(rate=rate, count=count, on_sent=lambda f: sent_at.__setitem__(f, time.time()))
        await engine.start()
        notifier: Notifier
        if backend == "dbus":
            desktop_notifier = DesktopNotifier(app_name=app_name, app_icon=themed_icon())
            assert await desktop_notifier.ready() is not None, desktop_notifier.failure
            notifier = desktop_notifier
        else:
            notifier = PlyerNotifier(app_name=app_name, app_icon=notification_icon())
        dispatcher = NotificationDispatcher(notifier, max_popups=max_popups, on_shown=on_shown)
        if backend == "dbus":
            desktop_notifier.set_on_late(late.append)  # counted here, not folded: one pass to measure
        dunst, started = dunst_pid(desktop), own_cpu_seconds()
        dunst_started = cpu_seconds(dunst)
        with tempfile.TemporaryDirectory() as folder:
            pipeline = SignalPipeline(TradeLog(Path(folder) / "t.sqlite3"), on_recorded=dispatcher.dispatch)
            listener = EngineListener(engine.url, on_signal=pipeline.submit)
            pipeline.start()
            listener.start()
            await engine.wait_done()
            await wait_for(lambda: len(notify_calls(desktop.notify_log, app_name)) + len(late) >= len(shown), 60)
            await listener.stop()
            await pipeline.close()
        notifier.close()
        if isinstance(notifier, PlyerNotifier):  # its notify-sends are its CPU: wait for them
            await asyncio.wait_for(asyncio.to_thread(notifier._worker.shutdown, wait=True), 60)
        await engine.close()
        return own_cpu_seconds() - started, cpu_seconds(dunst) - dunst_started

    app_cpu, dunst_cpu = asyncio.run(run())
    desktop.dismiss_notifications()  # the next run starts with an empty screen
    calls = notify_calls(desktop.notify_log, app_name)
    latencies = sorted(_latencies(calls, shown))
    return {
        "signals": count,
        "popups": len(calls),
        "late": len(late),
        "median_ms": statistics.median(latencies),
        "p99_ms": latencies[max(0, int(len(latencies) * 0.99) - 1)],
        "max_ms": latencies[-1],
        "app_cpu_ms_per_popup": app_cpu * 1000 / max(1, len(calls)),
        "dunst_cpu_ms_per_popup": dunst_cpu * 1000 / max(1, len(calls)),
    }


def _latencies(calls: list[tuple[float, str, str]], shown: list[tuple[Notification, float]]) -> list[float]:
    """ms from each signal's send to its popup's Notify on the bus. Each call is matched to the
    earliest popup asked for with the same text (late and replaced ones never reach the bus);
    summaries are left out: they stand for many signals."""
    waiting = [(n.title, escape_markup(n.body), sent, n.replaces) for n, sent in shown]  # both escape the body
    found = []
    for when, summary, body in calls:
        for index, (title, text, sent, replaces) in enumerate(waiting):
            if (title, text) == (summary, body):
                del waiting[index]
                if replaces != SUMMARY_TAG:
                    found.append((when - sent) * 1000)
                break
    return found


async def wait_for(predicate: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not predicate() and time.monotonic() < deadline:
        await asyncio.sleep(0.05)


def backend_cpu(desktop: VirtualDesktop, backend: str, count: int = 100, rate: float = 10) -> tuple[float, float]:
    """(this process + children, dunst) CPU ms per popup, the backend alone: ``count`` popups at
    ``rate`` per second straight to it, less the same time of an idle loop."""
    app_name = f"{APP_NAME} cpu {backend}"

    async def paced(notifier: Notifier | None) -> tuple[float, float]:
        dunst = dunst_pid(desktop)
        started, dunst_started = own_cpu_seconds(), cpu_seconds(dunst)
        for number in range(count):
            if notifier is not None:
                notifier.show(Notification(f"BUY BTCUSDT {number}", f"0.05 (percent) @ {number}.00 · Market"))
            await asyncio.sleep(1 / rate)
        if isinstance(notifier, DesktopNotifier):  # (reading the witness's log here would cost CPU too)
            await wait_for(lambda: notifier.sent >= count, 60)
        if isinstance(notifier, PlyerNotifier):  # its notify-sends are its CPU: wait for them
            await asyncio.wait_for(asyncio.to_thread(notifier._worker.shutdown, wait=True), 60)
        if notifier is not None:
            notifier.close()
        return own_cpu_seconds() - started, cpu_seconds(dunst) - dunst_started

    async def run() -> tuple[float, float]:
        idle, _ = await paced(None)
        notifier: Notifier
        if backend == "dbus":
            desktop_notifier = DesktopNotifier(app_name=app_name, app_icon=themed_icon())
            await desktop_notifier.ready()
            notifier = desktop_notifier
        else:
            notifier = PlyerNotifier(app_name=app_name, app_icon=notification_icon())
        busy, dunst = await paced(notifier)
        return (busy - idle) * 1000 / count, dunst * 1000 / count

    try:
        return asyncio.run(run())
    finally:
        desktop.dismiss_notifications()


def backend_cost() -> tuple[float, float]:
    """(import ms, RSS MB of an idle connection) of jeepney's asyncio D-Bus client, in a fresh process."""
    script = (
        "import time, asyncio, resource\n"
        "def rss():\n"
        "    return int(open('/proc/self/statm').read().split()[1]) * resource.getpagesize() / 2**20\n"
        "before = rss(); t = time.perf_counter()\n"
        "from algomesh_tray.notify import freedesktop as desktop_notify\n"
        "imported = (time.perf_counter() - t) * 1000\n"
        "async def main():\n"
        "    n = desktop_notify.DesktopNotifier(app_name='x', app_icon='x')\n"
        "    await n.ready()\n"
        "    print(imported, rss() - before)\n"
        "    n.close(); await n.wait_closed()\n"
        "asyncio.run(main())\n"
    )
    baseline = (
        "import resource, asyncio, logging, collections, dataclasses, pathlib\n"
        "from algomesh_tray.notify import dispatcher\n"
        "from algomesh_tray.platform import resources\n"
        "from algomesh_tray.util import formatting\n"
    )
    # The app imports the dispatcher, resources and formatting anyway: count only what freedesktop adds.
    output = subprocess.run([sys.executable, "-c", baseline + script], capture_output=True, text=True, check=True,
                            cwd=ROOT).stdout.split()  # fmt: skip
    return float(output[0]), float(output[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=50, help="signals per second (default 50)")
    parser.add_argument("--seconds", type=float, default=10, help="how long each backend is fed (default 10)")
    parser.add_argument(
        "--max-popups",
        type=int,
        default=5,
        help="storm control, popups per second (default 5, the app's; 10000: every signal)",
    )
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        desktop = VirtualDesktop(Path(folder), system_tray=False).start()
        try:
            results = {backend: run_feed(desktop, backend, arguments.rate, arguments.seconds, arguments.max_popups)
                       for backend in ("dbus", "plyer")}  # fmt: skip
            print("feeds done; CPU of the backends alone", file=sys.stderr, flush=True)
            cpu = {backend: backend_cpu(desktop, backend) for backend in ("dbus", "plyer")}
            import_ms, idle_mb = backend_cost()
        finally:
            desktop.stop()
    at_most = f"{arguments.max_popups} popups/s at most"
    print(f"\nat {arguments.rate:g} signals/s for {arguments.seconds:g} s on dunst, {at_most}")
    print(f"{'figure':<44} {'D-Bus':>10} {'plyer':>10}  target")
    rows = [
        ("signals sent", "signals", "{:,.0f}", ""),
        ("popups that reached the bus (with summaries)", "popups", "{:,.0f}", ""),
        ("popups handed back late (folded)", "late", "{:,.0f}", ""),
        ("engine send -> Notify on the bus, median ms", "median_ms", "{:.1f}", ""),
        ("engine send -> Notify on the bus, p99 ms", "p99_ms", "{:.1f}", "<= 20"),
        ("engine send -> Notify on the bus, max ms", "max_ms", "{:.1f}", ""),
        ("whole app path CPU per popup, ms", "app_cpu_ms_per_popup", "{:.2f}", ""),
        ("dunst CPU per popup, ms", "dunst_cpu_ms_per_popup", "{:.2f}", ""),
    ]
    for name, key, form, target in rows:
        print(f"{name:<44} {form.format(results['dbus'][key]):>10} {form.format(results['plyer'][key]):>10}  {target}")
    print(f"{'backend alone: CPU per popup, ms (+children)':<44} {cpu['dbus'][0]:>10.2f} {cpu['plyer'][0]:>10.2f}")
    print(f"{'backend alone: dunst CPU per popup, ms':<44} {cpu['dbus'][1]:>10.2f} {cpu['plyer'][1]:>10.2f}")
    print(f"{'freedesktop + jeepney import, ms':<44} {import_ms:>10.1f}")
    print(f"{'... plus an idle connection, RSS MB':<44} {idle_mb:>10.1f}")


if __name__ == "__main__":
    main()
