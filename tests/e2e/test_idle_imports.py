"""What the app's first minute imports and builds: the installed app started for real (under
``python -X importtime``, or asked what PySide built) on the virtual desktop, connected, signals
shown as popups, no bridge on, no proxy."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import Any

import pytest

from ..waiting import wait_until
from .desktop import VirtualDesktop
from .helpers import start_engine
from .qt_namespace_asked import ANSWER

pytestmark = pytest.mark.e2e

#: Modules only a bridge (httpx, keyring, the hub and each service's module), a chosen backend (plyer),
#: another platform (macOS, Windows), a window (the trades table and its reader too) or an export needs.
NOT_AT_IDLE = ("httpx", "httpcore", "keyring", "plyer", "PySide6.QtSvg", "PySide6.QtNetwork", "importlib.metadata",
               "urllib.request", "email", "html.entities", "csv", "algomesh_tray.log.export",
               "algomesh_tray.qt.trades.trades_window", "algomesh_tray.bridges.hub", "algomesh_tray.bridges.delivery",
               "algomesh_tray.bridges.request", "algomesh_tray.bridges.telegram", "algomesh_tray.bridges.discord",
               "algomesh_tray.bridges.webhook", "algomesh_tray.bridges.ntfy", "algomesh_tray.bridges.pushover",
               "algomesh_tray.bridges.gotify", "algomesh_tray.notify.plyer_backend",
               "algomesh_tray.platform.autostart.macos", "algomesh_tray.platform.autostart.windows",
               "logging.handlers", "pickle", "algomesh_tray.qt.trades.trade_model", "algomesh_tray.log.reader",
               "algomesh_tray.log.query", "algomesh_tray.qt.future_relay")  # fmt: skip
_IMPORT_LINE = re.compile(r"^import time:\s+\d+ \|\s+\d+ \| *(\S+)$")


def test_the_idle_app_imports_no_bridge_backend_window_or_export_code_and_shows_its_tray_first(
    desktop: VirtualDesktop, start_program: Any, tmp_path: Path
) -> None:
    """The heavy modules stay out until something needs them, and the tray is on screen before
    asyncio and the rest of the app are imported (the launch waits for nothing else)."""
    _engine, port = start_engine(start_program, "--rate", "4", "--count", "1", "--seed", "3")
    already = len(desktop.notifications())
    no_proxy = {name: value for name, value in desktop.env.items() if not name.lower().endswith("_proxy")}
    app = start_program(
        "algomesh-tray", "--data-dir", str(tmp_path / "data"), "--host", "127.0.0.1", "--port", str(port),
        env=no_proxy, prefix=(sys.executable, "-X", "importtime"),
    )  # fmt: skip
    app.wait_for_line("engine connected")
    ours = lambda: [n for n in desktop.notifications()[already:] if n.app_name == "AlgoMesh Tray"]  # noqa: E731
    wait_until(ours, 20, "the signal's popup on the session bus")
    lines = list(app.lines)  # the first minute's work is done: what it imported, before Quit imports more
    # OpenSSL only for an encrypted connection (util/openssl.py); -X importtime also lists the
    # imports that found ssl unavailable, so the process's memory map tells.
    assert "libcrypto" not in Path(f"/proc/{app.process.pid}/maps").read_text()
    assert app.stop() == 0

    imported = {match[1]: index for index, line in enumerate(lines) if (match := _IMPORT_LINE.match(line))}
    assert {"websockets", "jeepney", "sqlite3"} <= imported.keys()  # the feed, the popups' D-Bus client, the log
    assert sorted(set(NOT_AT_IDLE) & imported.keys()) == []
    tray_shown = next(index for index, line in enumerate(lines) if "tray icon shown" in line)
    # -X importtime leaves out the line of a package whose import met an unavailable module (asyncio
    # and ssl): its first submodule's line tells when it was imported.
    asyncio_imported = min(index for name, index in imported.items() if name.split(".")[0] == "asyncio")
    assert tray_shown < asyncio_imported < imported["algomesh_tray.qt.application"]


def test_the_idle_app_never_builds_pysides_qt_namespace_and_a_window_may(
    desktop: VirtualDesktop, start_program: Any, tmp_path: Path
) -> None:
    """PySide builds its ``Qt`` namespace (93 enum classes, 1.9 MB) at its first use, which a bare
    tray icon never makes: neither does the app, connected, three signals popped up, its timers
    run (a popup's D-Bus call waits with one). Opening the trades window may build it: the answer
    is read from the app, not assumed."""
    _engine, port = start_engine(start_program, "--rate", "10", "--count", "3", "--seed", "5")
    already = len(desktop.notifications())
    fifo = tmp_path / "ask"
    os.mkfifo(fifo)
    arguments = ("--data-dir", str(tmp_path / "data"), "--host", "127.0.0.1", "--port", str(port))
    app = start_program("algomesh-tray", *arguments, env={**desktop.env, "QT_NAMESPACE_FIFO": str(fifo)},
                        prefix=(sys.executable, str(Path(__file__).with_name("qt_namespace_asked.py"))))  # fmt: skip
    app.wait_for_line("engine connected")
    ours = lambda: [n for n in desktop.notifications()[already:] if n.app_name == "AlgoMesh Tray"]  # noqa: E731
    wait_until(lambda: len(ours()) == 3, 20, "the three signals' popups on the session bus")

    def built() -> bool:
        answers = sum(1 for line in app.lines if line.startswith(ANSWER))
        with fifo.open("w") as ask:
            ask.write("built?\n")
        wait_until(lambda: sum(1 for line in app.lines if line.startswith(ANSWER)) > answers, 10, "the app's answer")
        return [line for line in app.lines if line.startswith(ANSWER)][-1] == f"{ANSWER}True"

    assert not built()
    second = start_program("algomesh-tray", *arguments, env=desktop.env)  # as a user would: the window opens
    assert second.process.wait(timeout=20) == 0
    wait_until(lambda: any(w.name == "AlgoMesh Tray — Trades" and desktop.is_viewable(w.id) for w in desktop.windows()),
               20, "the trades window")  # fmt: skip
    assert built()
    assert app.stop() == 0
