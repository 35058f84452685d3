"""Side by side in one run: memory and launch of the app against a bare tray program and the peer.

    .venv/bin/python bench/side_by_side.py [--rounds 3] [--peer-venv DIR] [--skip-window]

Absolute figures swing by ±13 MB between runs on a shared 2-core machine, so what this prints to
compare is the ratio of figures taken on the same virtual desktop in the same run, round by round
(the programs take turns, so a busy spell of the machine hits all of them).

1. Idle, median of ``--rounds`` rounds, a fresh HOME for every program and round:
   - floor: a bare PySide6 QSystemTrayIcon with a menu (written to the bench's temp folder);
   - peer: gotify-tray from the package index, in its own venv (created in the temp folder unless
     ``--peer-venv`` names one to reuse); it shows its first-run window;
   - app: this venv's ``algomesh-tray`` against a feed the bench serves, fed 3 signals first.
   RSS and PSS (/proc/PID/smaps_rollup) after 10 s idle, threads, launch -> first visible window
   of the process (``xdotool search --onlyvisible --pid``) and, for the app, -> "ready" (connected).
   Each starts with the shared libraries of the venvs and of Python out of the page cache (see
   ``evict_from_page_cache``), as after a reboot.
2. The trades window, open and closed side by side (a fresh app each): memory per further
   100,000 signals once the table is full, and % of a core at a steady 20 signals/s.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))

from shared import logged_trades  # noqa: E402  (bench/shared.py, beside this script)
from websockets.exceptions import ConnectionClosed  # noqa: E402
from websockets.sync.server import Server, ServerConnection, serve  # noqa: E402

from algomesh_tray.feed.simulator import SignalGenerator  # noqa: E402
from algomesh_tray.startup import WELCOME_MARKER  # noqa: E402
from tests.e2e.desktop import VirtualDesktop, wait_until  # noqa: E402

PEER_PACKAGE = "gotify-tray"
IDLE_SECONDS = 10
TRADES_TITLE = "AlgoMesh Tray — Trades"

FLOOR_PROGRAM = '''"""The floor: what a tray icon with a menu costs on PySide6, and nothing else."""
import sys

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMenu, QSystemTrayIcon

app = QApplication(sys.argv[:1])
app.setQuitOnLastWindowClosed(False)
tray = QSystemTrayIcon(QIcon(sys.argv[1]))
menu = QMenu()
menu.addAction("Open")
menu.addAction("Quit", app.quit)
tray.setContextMenu(menu)
tray.show()
sys.exit(app.exec())
'''


# --- the feed -------------------------------------------------------------------------------


class Feed:
    """A WebSocket server speaking the engine's protocol, whose signals the bench sends when it
    chooses (a burst, a steady rate), from its own thread: not a process the app competes with."""

    def __init__(self) -> None:
        self._generator = SignalGenerator(seed=15)
        self._clients: set[ServerConnection] = set()
        self._lock = threading.Lock()
        self._server: Server = serve(self._serve_client, "127.0.0.1", 0)
        self.port = self._server.socket.getsockname()[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def _serve_client(self, connection: ServerConnection) -> None:
        with self._lock:
            self._clients.add(connection)
        try:
            for _ in connection:  # the app sends nothing; this returns when it goes
                pass
        except ConnectionClosed:
            pass  # an app stopped by the bench
        finally:
            with self._lock:
                self._clients.discard(connection)

    def send(self, count: int, rate: float) -> None:
        """``count`` signals at ``rate`` per second to every client (catching up when behind)."""
        interval, next_at = 1.0 / rate, time.perf_counter()
        for _ in range(count):
            frame = json.dumps(self._generator.next_signal())
            with self._lock:
                clients = list(self._clients)
            for client in clients:
                client.send(frame)
            next_at += interval
            if (wait := next_at - time.perf_counter()) > 0:
                time.sleep(wait)  # pacing the feed, not waiting for the app

    def close(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=5)


# --- measuring a process --------------------------------------------------------------------


def smaps_rollup(pid: int) -> dict[str, float]:
    """Rss, Pss, Anonymous ... in MB."""
    values = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, _, rest = line.partition(":")
        values[name] = int(rest.split()[0]) / 1024
    return values


def threads(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Threads:"):
            return int(line.split()[1])
    return 0


def cpu_seconds(pid: int) -> float:
    """User + system time of the process so far (all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Sample:
    rss: float
    pss: float
    threads: int
    to_window: float
    cpu_to_window: float  # CPU seconds the process had used when its window showed: steadier under load
    to_ready: float | None = None


@dataclass
class Program:
    """A program to compare: how to start it on a fresh HOME, and what to do before idling."""

    name: str
    command: Callable[[Path], list[str]]
    prepare_home: Callable[[Path], None] = lambda home: None
    code: Path | None = None  # for the app: another checkout's algomesh_tray (--baseline)
    samples: list[Sample] = field(default_factory=list)


class Running:
    """A started program: its process, HOME, output file and launch time."""

    def __init__(self, command: list[str], env: dict[str, str], home: Path, output: Path) -> None:
        self.home = home
        self.output = output
        self._stream = output.open("wb")
        self.began = time.perf_counter()
        self.process = subprocess.Popen(command, env=env, stdout=self._stream, stderr=subprocess.STDOUT)
        self.env = env

    @property
    def pid(self) -> int:
        return self.process.pid

    def seconds_to(self, predicate: Callable[[], object], timeout: float, what: str) -> float:
        wait_until(lambda: predicate() or self._check_alive(), timeout, what, interval=0.005)
        return time.perf_counter() - self.began

    def _check_alive(self) -> bool:
        if self.process.poll() is not None:
            tail = self.output.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"{self.output.stem} exited with {self.process.returncode}: {tail}")
        return False

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._stream.close()


def visible_window(desktop: VirtualDesktop, pid: int) -> bool:
    return bool(desktop.run("xdotool", "search", "--onlyvisible", "--pid", str(pid), check=False).strip())


def fresh_env(desktop: VirtualDesktop, home: Path) -> dict[str, str]:
    """The desktop's environment with a new HOME and no folder overrides: as a new user."""
    drop = {"XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME", "ALGOMESH_TRAY_DATA_DIR",
            "PYTHONDONTWRITEBYTECODE", "PYTHONTRACEMALLOC", "VIRTUAL_ENV"}  # fmt: skip
    env = {key: value for key, value in desktop.env.items() if key not in drop}
    env["HOME"] = str(home)
    return env


# --- the app --------------------------------------------------------------------------------


def app_trade_log(home: Path) -> Path:
    return home / ".local" / "share" / "algomesh-tray" / "trades.sqlite3"


def wait_logged(running: Running, count: int, timeout: float = 300) -> None:
    path = app_trade_log(running.home)
    wait_until(lambda: logged_trades(path) >= count, timeout, f"{count:,} signals in the app's trade log", interval=0.1)


def start_app(desktop: VirtualDesktop, feed: Feed, home: Path, folder: Path,
              code: Path | None = None) -> tuple[Running, float, float, float]:  # fmt: skip
    """A fresh app, connected to the feed; (running, seconds to its first window, CPU seconds by
    then, seconds to ready).

    ``code``: a folder holding another ``algomesh_tray`` package to run instead of this one's.
    """
    home.mkdir(parents=True)
    # An everyday start: the first run's welcome window (once per install) was shown before.
    config = home / ".config" / "algomesh-tray"
    config.mkdir(mode=0o700, parents=True)
    (config / WELCOME_MARKER).touch()
    command = [str(BIN / "algomesh-tray"), "--host", "127.0.0.1", "--port", str(feed.port)]
    env = fresh_env(desktop, home)
    if code is not None:
        env["PYTHONPATH"] = str(code)
    running = Running(command, env, home, folder / f"{home.name}.out")
    to_window = running.seconds_to(lambda: visible_window(desktop, running.pid), 60, "the app's first window")
    cpu = cpu_seconds(running.pid)
    to_ready = running.seconds_to(lambda: b"ready:" in running.output.read_bytes(), 60, "the app to be ready")
    return running, to_window, cpu, to_ready


def open_trades_window(desktop: VirtualDesktop, running: Running) -> None:
    """As a user would a second time: start it again, and the running one shows its window."""
    subprocess.run([str(BIN / "algomesh-tray")], env=running.env, check=True, capture_output=True, timeout=60)
    wait_until(lambda: desktop.run("xdotool", "search", "--onlyvisible", "--name", TRADES_TITLE, check=False),
               30, "the trades window")  # fmt: skip


# --- part 1: idle ---------------------------------------------------------------------------


def evict_from_page_cache(folders: list[Path]) -> int:
    """Drop the page cache of every shared library under ``folders``; how many there were.

    A library's RSS counts the pages the kernel maps around each page a program touches when
    they are cached: a venv just installed (a fresh clone) is cached whole, and the floor and the
    app measured 12 MB more from one than from the same venv a day old, the peer's venv unchanged.
    Each program starting with its libraries out of the cache makes the install's age not count.
    """
    count = 0
    for folder in folders:
        for path in folder.rglob("*.so*"):
            try:
                descriptor = os.open(path, os.O_RDONLY)
            except OSError:  # a folder named *.so*, a dangling link
                continue
            try:
                os.posix_fadvise(descriptor, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(descriptor)
            count += 1
    return count


def measure_idle(desktop: VirtualDesktop, feed: Feed, program: Program, home: Path, folder: Path) -> Sample:
    if program.name in ("app", "baseline"):
        running, to_window, cpu, to_ready = start_app(desktop, feed, home, folder, program.code)
        feed.send(3, rate=10)
        wait_logged(running, 3, timeout=30)
    else:
        home.mkdir(parents=True)
        program.prepare_home(home)
        env = fresh_env(desktop, home)
        running = Running(program.command(home), env, home, folder / f"{home.name}.out")
        to_window = running.seconds_to(lambda: visible_window(desktop, running.pid), 60, f"{program.name}'s window")
        cpu = cpu_seconds(running.pid)
        to_ready = None
    try:
        time.sleep(IDLE_SECONDS)  # idle on purpose: this is the measurement, not a wait for something
        memory = smaps_rollup(running.pid)
        return Sample(memory["Rss"], memory["Pss"], threads(running.pid), to_window, cpu, to_ready)
    finally:
        running.stop()


def _peer_home(home: Path) -> None:
    """gotify-tray 0.5.3 crashes on a profile without ~/.local/share."""
    (home / ".local" / "share").mkdir(parents=True)


def install_peer(venv: Path) -> Path:
    executable = venv / "bin" / PEER_PACKAGE
    if not executable.exists():
        print(f"installing {PEER_PACKAGE} into {venv} …", file=sys.stderr, flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", PEER_PACKAGE], check=True)
    return executable


def peer_version(venv: Path) -> str:
    found = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "show", PEER_PACKAGE, "PyQt6"],
                           capture_output=True, text=True).stdout  # fmt: skip
    names = [line.split(": ", 1)[1] for line in found.splitlines() if line.startswith(("Name:", "Version:"))]
    return " ".join(names)


def _median(values: list[float]) -> float:
    return statistics.median(values)


def _spread(values: list[float], digits: int) -> str:
    return "/".join(f"{value:.{digits}f}" for value in values)


def print_idle(programs: list[Program]) -> None:
    print(f"\nIdle after {IDLE_SECONDS} s (app: after 3 signals), fresh HOME each; median (rounds)")
    print(f"{'program':<8} {'RSS MB':>24} {'PSS MB':>24} {'threads':>8} {'-> window s':>22} {'CPU s by then':>22} "
          f"{'-> ready s':>22}")  # fmt: skip
    for program in programs:
        samples = program.samples
        rss, pss = [s.rss for s in samples], [s.pss for s in samples]
        window = [s.to_window for s in samples]
        cpu = [s.cpu_to_window for s in samples]
        ready = [s.to_ready for s in samples if s.to_ready is not None]
        ready_text = f"{_median(ready):.2f} ({_spread(ready, 2)})" if ready else "—"
        print(f"{program.name:<8} {_median(rss):>6.1f} ({_spread(rss, 1):>15}) {_median(pss):>6.1f} "
              f"({_spread(pss, 1):>15}) {_median([s.threads for s in samples]):>8.0f} "
              f"{_median(window):>5.2f} ({_spread(window, 2):>14}) {_median(cpu):>5.2f} ({_spread(cpu, 2):>14}) "
              f"{ready_text:>22}")  # fmt: skip
    by_name = {program.name: program.samples for program in programs}
    app = by_name.get("app")
    if not app:
        return
    print("\nRatios, median of the per-round ratios (each round's programs ran back to back); target app/peer <= 1.0")
    for other in ("peer", "floor", "baseline"):
        if other not in by_name:
            continue
        parts = []
        for label, key in (("RSS", "rss"), ("PSS", "pss"), ("launch -> window", "to_window"),
                           ("CPU by window", "cpu_to_window")):  # fmt: skip
            ratios = [getattr(a, key) / getattr(o, key) for a, o in zip(app, by_name[other], strict=True)]
            parts.append(f"{label} {_median(ratios):.2f} ({_spread(ratios, 2)})")
        print(f"  app/{other:<8} " + "   ".join(parts))


# --- part 2: the trades window open and closed ----------------------------------------------


@dataclass
class WindowFigures:
    idle_full: float = 0.0  # RSS MB once the table is full
    per_100k: float = 0.0  # RSS MB growth per further 100,000 signals
    cpu_percent: float = 0.0  # of one core at a steady rate
    steady_per_100k: float = 0.0  # RSS MB growth during the steady run, per 100,000 signals


def measure_window(desktop: VirtualDesktop, feed: Feed, home: Path, folder: Path, *, open_window: bool,
                   fill: int, further: int, burst_rate: float, steady_rate: float,
                   steady_seconds: float) -> WindowFigures:  # fmt: skip
    running, *_ = start_app(desktop, feed, home, folder)
    figures = WindowFigures()
    try:
        if open_window:
            open_trades_window(desktop, running)
        feed.send(fill, burst_rate)  # the table keeps 10,000 rows: from here on it is full
        wait_logged(running, fill)
        time.sleep(2)  # let the window catch up its repaints: a settling pause, then the first reading
        before = smaps_rollup(running.pid)["Rss"]
        figures.idle_full = before
        feed.send(further, burst_rate)
        wait_logged(running, fill + further)
        time.sleep(2)
        after = smaps_rollup(running.pid)
        figures.per_100k = (after["Rss"] - before) * 100_000 / further
        count = int(steady_rate * steady_seconds)
        began, cpu_before = time.perf_counter(), cpu_seconds(running.pid)
        feed.send(count, steady_rate)
        figures.cpu_percent = (cpu_seconds(running.pid) - cpu_before) / (time.perf_counter() - began) * 100
        wait_logged(running, fill + further + count)
        figures.steady_per_100k = (smaps_rollup(running.pid)["Rss"] - after["Rss"]) * 100_000 / count
        return figures
    finally:
        running.stop()


def print_window(closed: WindowFigures, opened: WindowFigures, further: int, steady_rate: float) -> None:
    print(f"\nTrades window, a fresh app each (table full first; growth over {further:,} signals, scaled)")
    rate = format(steady_rate, "g")
    print(f"{'':<8} {'RSS full MB':>12} {'MB per 100k':>12} {'% core at ' + rate + '/s':>16} "
          f"{'MB per 100k at ' + rate + '/s':>20}")  # fmt: skip
    for name, figures in (("closed", closed), ("open", opened)):
        print(f"{name:<8} {figures.idle_full:>12.1f} {figures.per_100k:>12.1f} {figures.cpu_percent:>16.1f} "
              f"{figures.steady_per_100k:>20.1f}")  # fmt: skip
    print("targets: open <= 2 MB per 100k, open <= 5 % of a core")


# --- main -----------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3, help="idle rounds per program (default 3)")
    parser.add_argument("--peer-venv", type=Path, help="reuse (or create) the peer's venv here instead of a temp one")
    parser.add_argument("--only", nargs="+", choices=("floor", "peer", "app"), help="compare only these programs")
    parser.add_argument("--baseline", type=Path, metavar="DIR",
                        help="also run the app of another checkout (algomesh_tray in DIR) as 'baseline'")  # fmt: skip
    parser.add_argument("--skip-idle", action="store_true", help="only the trades-window scenarios")
    parser.add_argument("--skip-window", action="store_true", help="only the idle comparison")
    parser.add_argument("--further", type=int, default=50_000, help="signals after the table is full (default 50000)")
    parser.add_argument("--burst-rate", type=float, default=1000, help="signals/s of the bursts (default 1000)")
    parser.add_argument("--steady-rate", type=float, default=20, help="signals/s of the steady run (default 20)")
    parser.add_argument("--steady-seconds", type=float, default=30, help="length of the steady run (default 30)")
    arguments = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="side-by-side-") as temp:
        folder = Path(temp)
        # As installed for a user: bytecode compiled up front, not during a measured launch.
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "algomesh_tray")], check=True)
        floor_script = folder / "floor_tray.py"
        floor_script.write_text(FLOOR_PROGRAM)
        icon = ROOT / "resources" / "icons" / "tray" / "algomesh-tray-22.png"  # a PNG, as the app's tray: no SVG module
        programs = [Program("floor", lambda home: [sys.executable, str(floor_script), str(icon)])]
        names = arguments.only or ["floor", "peer", "app"]
        if "peer" in names and not arguments.skip_idle:
            peer_venv = (arguments.peer_venv or folder / "peer-venv").resolve()
            peer = install_peer(peer_venv)
            programs.append(Program("peer", lambda home: [str(peer)], prepare_home=_peer_home))
            print(f"peer: {peer_version(peer_venv)}", file=sys.stderr)
        programs.append(Program("app", lambda home: []))
        if arguments.baseline:
            baseline = arguments.baseline.resolve()
            subprocess.run([sys.executable, "-m", "compileall", "-q", str(baseline / "algomesh_tray")], check=True)
            programs.append(Program("baseline", lambda home: [], code=baseline))
            names = [*names, "baseline"]
        programs = [program for program in programs if program.name in names]
        print(f"machine: {platform.node()} · {os.cpu_count()} cores · load {os.getloadavg()[0]:.1f} · "
              f"Python {platform.python_version()}", file=sys.stderr)  # fmt: skip

        libraries = [Path(sys.prefix), Path(sys.base_prefix) / "lib"]
        if any(program.name == "peer" for program in programs):
            libraries.append(peer_venv)
        desktop = VirtualDesktop(folder).start()
        feed = Feed()
        try:
            if not arguments.skip_idle:
                for round_number in range(arguments.rounds):
                    for program in programs:
                        home = folder / f"home-{program.name}-{round_number}"
                        evict_from_page_cache(libraries)
                        program.samples.append(measure_idle(desktop, feed, program, home, folder))
                        sample = program.samples[-1]
                        print(f"round {round_number + 1} {program.name}: {sample}", file=sys.stderr, flush=True)
                print_idle(programs)
            if not arguments.skip_window:
                figures = {}
                for name in ("closed", "open"):
                    figures[name] = measure_window(
                        desktop, feed, folder / f"home-{name}", folder, open_window=name == "open", fill=12_000,
                        further=arguments.further, burst_rate=arguments.burst_rate,
                        steady_rate=arguments.steady_rate, steady_seconds=arguments.steady_seconds,
                    )  # fmt: skip
                    print(f"window {name}: {figures[name]}", file=sys.stderr, flush=True)
                closed, opened = figures["closed"], figures["open"]
                print_window(closed, opened, arguments.further, arguments.steady_rate)
        finally:
            feed.close()
            desktop.stop()
        print(f"\ncommand: {' '.join([Path(sys.argv[0]).as_posix(), *sys.argv[1:]])}")


if __name__ == "__main__":
    shutil.which("xdotool") or sys.exit("xdotool is missing: run tests/run.sh, which installs the desktop tools")
    main()
