"""Several engines in one tray, as a trader runs it: the installed app on the virtual desktop watching
two simulated engine programs; dunst's Notify calls on the session bus are the witness."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from ..waiting import wait_until
from .conftest import ARTIFACTS, BIN
from .desktop import VirtualDesktop
from .helpers import expected_notification, sent_frames, start_engine

pytestmark = pytest.mark.e2e


def test_two_engines_one_dies_its_popup_names_it_and_the_other_keeps_popping_up(
    desktop: VirtualDesktop, start_program: Any, tmp_path: Path
) -> None:
    """``--engine Desk=… --engine VPS=…``: each popup names its engine; VPS stops: one outage popup
    names VPS, Desk's signals keep popping up; ``history`` says which engine sent each trade."""
    desk, desk_port = start_engine(start_program, "--rate", "2", "--seed", "3")
    vps, vps_port = start_engine(start_program, "--rate", "2", "--seed", "4")
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o700)
    (data_dir / "settings.json").write_text(json.dumps({"engine_alert_seconds": 1}))
    already = len(desktop.notifications())
    app = start_program(
        "algomesh-tray", "--data-dir", str(data_dir),
        "--engine", f"Desk=ws://127.0.0.1:{desk_port}/connect", "--engine", f"VPS=ws://127.0.0.1:{vps_port}/connect",
        env=desktop.env,
    )  # fmt: skip
    ours = lambda: [n for n in desktop.notifications()[already:] if n.app_name == "AlgoMesh Tray"]  # noqa: E731
    titles = lambda prefix: [n for n in ours() if n.summary.startswith(prefix)]  # noqa: E731
    wait_until(lambda: titles("Desk: ") and titles("VPS: "), 20, "popups from both engines")
    first_desk = titles("Desk: ")[0]
    desk_frames = sent_frames(desk)
    summary, body = expected_notification(desk_frames[0])
    assert (first_desk.summary, first_desk.body) == (f"Desk: {summary}", body)

    vps.stop()
    outage = wait_until(lambda: titles("VPS is down since "), 15, "the outage popup naming VPS")
    assert not titles("Desk is down") and not titles("AlgoMesh engine disconnected")
    desk_before = len(titles("Desk: "))
    wait_until(lambda: len(titles("Desk: ")) >= desk_before + 3, 15, "Desk still popping up after VPS died")
    desktop.screenshot(ARTIFACTS / "e2e-two-engines.png")
    assert len(outage) == 1 and outage[0].body.startswith("Engine not running (connection refused)")
    assert app.stop() == 0

    history = subprocess.run(
        [str(BIN / "algomesh-tray"), "history", "--data-dir", str(data_dir), "--format", "json", "--limit", "0"],
        capture_output=True, text=True, check=True, timeout=30,
    )  # fmt: skip
    logged = json.loads(history.stdout)
    assert {row["engine"] for row in logged} == {"Desk", "VPS"}
    by_engine = {name: [row["price"] for row in logged if row["engine"] == name] for name in ("Desk", "VPS")}
    assert by_engine["VPS"][-1] == sent_frames(vps)[0]["price"]  # newest first: VPS's first trade is its last row
    assert by_engine["Desk"][-1] == desk_frames[0]["price"]
