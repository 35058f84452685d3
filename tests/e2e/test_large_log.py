"""A year of trading in the log: opening the window (table, dashboard totals) never holds a popup back."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ..bulk_log import build_log
from ..waiting import wait_until
from .conftest import ARTIFACTS
from .desktop import VirtualDesktop
from .helpers import expected_notification, start_engine

pytestmark = pytest.mark.e2e

#: A signal's popup may reach the bus this long after the engine sent it (3 s before the reader).
PROMPT_SECONDS = 1.0


def test_popups_stay_prompt_while_the_window_opens_on_a_large_log(
    desktop: VirtualDesktop, start_program: Any, tmp_path: Path
) -> None:
    """200,000 trades in the log; signals keep coming while the trades window and its dashboard
    open: each one's Notify call reaches the bus within a second of the engine sending it."""
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o700)
    build_log(data_dir / "trades.sqlite3", 200_000)
    engine, port = start_engine(start_program, "--rate", "4", "--seed", "21")
    app = start_program("algomesh-tray", "--data-dir", str(data_dir), "--host", "127.0.0.1", "--port", str(port),
                        env=desktop.env)  # fmt: skip
    app.wait_for_line("engine connected")
    wait_until(lambda: len([line for line in engine.lines if line.startswith("{")]) >= 2, 10, "the feed running")
    opened_from = len(engine.lines)
    again = start_program("algomesh-tray", "--data-dir", str(data_dir), env=desktop.env)  # a double-click
    again.process.wait(timeout=20)
    wait_until(
        lambda: any(w.name == "AlgoMesh Tray — Trades" and desktop.is_viewable(w.id) for w in desktop.windows()),
        10,
        "the trades window on screen",
    )
    wait_until(lambda: len(engine.lines) >= opened_from + 12, 15, "three more seconds of signals")
    sent = [(at, json.loads(line)) for at, line in zip(engine.read_at[opened_from:], engine.lines[opened_from:],
                                                        strict=True) if line.startswith("{")]  # fmt: skip

    def popup_times() -> dict[tuple[str, str], float]:
        return {(n.summary, n.body): n.at for n in desktop.notifications() if n.app_name == "AlgoMesh Tray"}

    wait_until(lambda: all(expected_notification(frame) in popup_times() for _, frame in sent[:-2]), 15,
               "a popup for every signal sent while the window opened")  # fmt: skip
    desktop.screenshot(ARTIFACTS / "e2e-large-log-window.png")
    shown = popup_times()
    late = [(round(shown[expected_notification(frame)] - at, 3), frame["price"]) for at, frame in sent[:-2]
            if shown[expected_notification(frame)] - at > PROMPT_SECONDS]  # fmt: skip
    assert late == [], f"popups later than {PROMPT_SECONDS} s after the signal: {late}"
    assert app.stop() == 0
