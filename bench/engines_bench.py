"""Benchmark for several engines: prints figures, asserts nothing. Run with the project's venv:

    .venv/bin/python bench/engines_bench.py [--rounds 3] [--seconds 20]

The installed ``algomesh-tray`` on a virtual desktop (Xvfb, trayer, dunst), against simulated
engine programs, side by side in one run, rounds interleaved:

1. CPU: three engines at 20 signals/s each against one engine at 60/s: the app's CPU seconds
   (user + system, /proc/PID/stat) over the same window, every signal logged and dispatched.
2. Memory: the app idle watching one engine, then five (engines that send nothing): RSS and PSS
   after the same settling time; what each extra engine adds.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))

from shared import logged_trades  # noqa: E402

from algomesh_tray.startup import WELCOME_MARKER  # noqa: E402
from bench import rss_mb, start_engine  # noqa: E402  (bench/bench.py, beside this script)
from tests.e2e.desktop import VirtualDesktop  # noqa: E402
from tests.waiting import wait_until  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of ``pid`` so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def pss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class Run:
    """The app watching ``engines`` simulated engines, each sending ``rate`` signals a second."""

    def __init__(self, folder: Path, env: dict[str, str], engines: int, rate: float, name: str) -> None:
        self.engines = [start_engine("--rate", str(rate), "--seed", str(n)) if rate else start_engine("--count", "0")
                        for n in range(engines)]  # fmt: skip
        self.data = folder / f"data-{name}"
        self.data.mkdir(mode=0o700)
        (self.data / WELCOME_MARKER).touch()  # an everyday start, not the first run's welcome window
        arguments = [arg for n, (_, url) in enumerate(self.engines) for arg in ("--engine", f"E{n}={url}")]
        self.log = (folder / f"{name}.log").open("w")
        self.app = subprocess.Popen([str(BIN / "algomesh-tray"), "--data-dir", str(self.data), *arguments],
                                    env=env, stdout=self.log, stderr=subprocess.STDOUT)  # fmt: skip
        log_path = Path(self.log.name)
        wait_until(lambda: "engine connected" in log_path.read_text(), 30, "the app ready", interval=0.01)

    def stop(self) -> None:
        self.app.terminate()
        self.app.wait(timeout=30)
        self.log.close()
        for engine, _ in self.engines:
            engine.terminate()
            engine.wait()


def cpu_for(folder: Path, env: dict[str, str], engines: int, rate: float, seconds: float, name: str) -> float:
    """CPU seconds the app spends over ``seconds`` of ``engines`` x ``rate`` signals/s, after a warm-up."""
    run = Run(folder, env, engines, rate, name)
    try:
        trades = run.data / "trades.sqlite3"
        wait_until(lambda: logged_trades(trades) >= engines * rate * 2, 30, "the warm-up", interval=0.1)
        before, began, logged = cpu_seconds(run.app.pid), time.monotonic(), logged_trades(trades)
        time.sleep(seconds)  # the measured window: a duration, not a synchronisation
        used, elapsed = cpu_seconds(run.app.pid) - before, time.monotonic() - began
        rate_seen = (logged_trades(trades) - logged) / elapsed
        print(f"  {name}: {used:.2f} CPU s over {elapsed:.1f} s, {rate_seen:.0f} signals/s logged", flush=True)
        return used
    finally:
        run.stop()


def idle_memory(folder: Path, env: dict[str, str], engines: int, name: str) -> tuple[float, float]:
    run = Run(folder, env, engines, 0, name)
    try:
        wait_until(lambda: Path(run.log.name).read_text().count("connected to ws://") >= engines, 30, "all connected")
        time.sleep(5)  # settle, the same for every run: a measurement, not a synchronisation
        return rss_mb(run.app.pid), pss_mb(run.app.pid)
    finally:
        run.stop()


def spread(values: Sequence[float]) -> str:
    return f"{statistics.median(values):.2f} ({min(values):.2f}–{max(values):.2f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=20.0, help="the CPU window (default 20 s)")
    parser.add_argument("--extra", type=int, default=4, help="extra idle engines for the memory figure (default 4)")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        desktop = VirtualDesktop(folder).start()
        env = {key: value for key, value in desktop.env.items() if key != "PYTHONDONTWRITEBYTECODE"}
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "algomesh_tray")], env=env, check=True)
        one, three, ratios = [], [], []
        idle_one, idle_more, per_extra_rss, per_extra_pss = [], [], [], []
        try:
            for round_number in range(arguments.rounds):
                print(f"round {round_number + 1}", flush=True)
                a = cpu_for(folder, env, 1, 60, arguments.seconds, f"one-60-{round_number}")
                b = cpu_for(folder, env, 3, 20, arguments.seconds, f"three-20-{round_number}")
                one.append(a)
                three.append(b)
                ratios.append(b / a)
                rss1, pss1 = idle_memory(folder, env, 1, f"idle-1-{round_number}")
                rss_n, pss_n = idle_memory(folder, env, 1 + arguments.extra, f"idle-n-{round_number}")
                idle_one.append(rss1)
                idle_more.append(rss_n)
                per_extra_rss.append((rss_n - rss1) / arguments.extra)
                per_extra_pss.append((pss_n - pss1) / arguments.extra)
        finally:
            desktop.stop()
    print()
    print(f"| measure ({arguments.rounds} rounds: median (min–max)) | result |")
    print("| --- | --- |")
    print(f"| app CPU s in {arguments.seconds:.0f} s, one engine at 60/s | {spread(one)} |")
    print(f"| app CPU s in {arguments.seconds:.0f} s, three engines at 20/s | {spread(three)} |")
    print(f"| three engines / one engine | {spread(ratios)} |")
    print(f"| idle RSS MB, one engine / {1 + arguments.extra} engines | {spread(idle_one)} / {spread(idle_more)} |")
    print(f"| each extra idle engine adds, RSS MB | {spread(per_extra_rss)} |")
    print(f"| each extra idle engine adds, PSS MB | {spread(per_extra_pss)} |")


if __name__ == "__main__":
    main()
