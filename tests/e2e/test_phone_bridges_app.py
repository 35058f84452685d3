"""The app forwarding to ntfy and Pushover (played by local servers that follow their APIs), with
their tokens in a real keyring file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ..http_fakes import FakeService, ntfy_rule, pushover_rule
from ..waiting import wait_until
from .desktop import VirtualDesktop
from .helpers import expected_notification, secrets_in_a_keyring_file, sent_frames, start_app, start_engine

pytestmark = pytest.mark.e2e

NTFY_TOKEN = "tk_AgQdq7mVBoFD37zQVN29RhuMzNIz2"
PUSHOVER_TOKEN, PUSHOVER_USER = "azGDORePK8gMaC0QOYAMyEEuzJnyUi", "uQiRzpo4DXghDmr9QzzfQu27cmVRsG"


def test_signals_reach_a_protected_ntfy_topic_and_the_token_stays_in_the_keyring(
    desktop: VirtualDesktop, start_program: Any, tmp_path: Path
) -> None:
    """Each signal is a JSON publish to the ntfy server set in Settings, the token in its header only."""
    ntfy = FakeService(ntfy_rule(token=NTFY_TOKEN))
    try:
        keyring_env = secrets_in_a_keyring_file(desktop, tmp_path, {"ntfy_token": NTFY_TOKEN})
        engine, port = start_engine(start_program, "--rate", "4", "--count", "3", "--seed", "9")
        settings = {"host": "127.0.0.1", "port": port, "ntfy_enabled": True, "ntfy_server": ntfy.url,
                    "ntfy_topic": "algomesh-k3v9q2"}  # fmt: skip
        app, data_dir = start_app(start_program, tmp_path, settings, keyring_env)
        app.wait_for_line("ntfy bridge on")
        wait_until(lambda: len(ntfy.seen) == 3, 20, "three messages at the ntfy server")
        titles = [expected_notification(frame)[0] for frame in sent_frames(engine)]
        assert [seen.payload["title"] for seen in ntfy.seen] == titles
        assert {seen.headers["authorization"] for seen in ntfy.seen} == {f"Bearer {NTFY_TOKEN}"}
        assert {seen.payload["priority"] for seen in ntfy.seen} == {3}
        assert app.stop() == 0
    finally:
        ntfy.close()
    assert NTFY_TOKEN not in (data_dir / "settings.json").read_text()
    assert NTFY_TOKEN not in (data_dir / "algomesh-tray.log").read_text()


def test_an_engine_outage_reaches_pushover_as_an_emergency(
    desktop: VirtualDesktop, start_program: Any, tmp_path: Path
) -> None:
    """ALGOMESH_TRAY_PUSHOVER_API points the bridge at the local Pushover: the engine dies, one
    emergency (priority 2, retry and expire) arrives and is accepted; the recovery at priority 0."""
    pushover = FakeService(pushover_rule(token=PUSHOVER_TOKEN, user=PUSHOVER_USER))
    try:
        secrets = {"pushover_token": PUSHOVER_TOKEN, "pushover_user": PUSHOVER_USER}
        keyring_env = secrets_in_a_keyring_file(desktop, tmp_path, secrets)
        engine, port = start_engine(start_program, "--rate", "2")
        settings = {"host": "127.0.0.1", "port": port, "pushover_enabled": True, "pushover_filter": "no-such-strategy",
                    "engine_alert_seconds": 1, "escalate_after_seconds": 1}  # fmt: skip
        app, data_dir = start_app(start_program, tmp_path, settings, {**keyring_env,
                                  "ALGOMESH_TRAY_PUSHOVER_API": pushover.url})  # fmt: skip
        app.wait_for_line("pushover bridge on")
        app.wait_for_line("engine connected")
        engine.process.kill()
        engine.process.wait()
        wait_until(lambda: len(pushover.seen) == 1, 15, "the outage at Pushover")
        again: Any = start_program("algomesh-tray-engine", "--port", str(port), "--rate", "2")
        wait_until(lambda: len(pushover.seen) == 2, 15, "the 'back' message")
        down, up = (seen.payload for seen in pushover.seen)
        assert down["title"] == "AlgoMesh engine disconnected" and down["priority"] == 2
        assert down["retry"] >= 30 and down["expire"] <= 10800
        assert up["title"] == "AlgoMesh engine is back" and up["priority"] == 0
        assert app.stop() == 0
        again.stop()
    finally:
        pushover.close()
    log = (data_dir / "algomesh-tray.log").read_text()
    assert "pushover bridge:" not in log  # no refusal, no retry
    assert PUSHOVER_USER not in log and PUSHOVER_TOKEN not in log
