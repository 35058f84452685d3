"""The app forwarding to Telegram (played by a local server), with its token in a real keyring file."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ..http_fakes import Answer, FakeService
from ..waiting import wait_until
from .desktop import VirtualDesktop
from .helpers import expected_notification, secrets_in_a_keyring_file, sent_frames, start_app, start_engine

pytestmark = pytest.mark.e2e

DOWN, BACK = "AlgoMesh engine disconnected", "AlgoMesh engine is back"


@pytest.fixture
def telegram() -> Iterator[FakeService]:
    fake = FakeService()
    yield fake
    fake.close()


def test_signals_reach_telegram_and_the_token_stays_in_the_keyring(
    desktop: VirtualDesktop, start_program: Any, tmp_path: Path, telegram: FakeService
) -> None:
    """Each signal is a sendMessage with the token in the URL only; notifications are not delayed."""
    keyring_env = secrets_in_a_keyring_file(desktop, tmp_path, {"telegram_token": "123:SECRET"})
    engine, port = start_engine(start_program, "--rate", "4", "--count", "3", "--seed", "9")
    settings = {"host": "127.0.0.1", "port": port, "telegram_enabled": True, "telegram_chat_id": "42"}
    already = len(desktop.notifications())
    app, data_dir = start_app(
        start_program, tmp_path, settings, {**keyring_env, "ALGOMESH_TRAY_TELEGRAM_API": telegram.url}
    )
    app.wait_for_line("telegram bridge on")
    wait_until(lambda: len(telegram.seen) == 3, 20, "three messages at the Telegram server")
    frames = sent_frames(engine)
    assert {seen.path for seen in telegram.seen} == {"/bot123:SECRET/sendMessage"}
    assert [seen.payload["chat_id"] for seen in telegram.seen] == ["42"] * 3
    titles = [expected_notification(frame)[0] for frame in frames]
    assert [seen.payload["text"].split("\n")[0] for seen in telegram.seen] == [f"<b>{t}</b>" for t in titles]
    ours = lambda: [n for n in desktop.notifications()[already:] if n.app_name == "AlgoMesh Tray"]  # noqa: E731
    wait_until(lambda: len(ours()) >= 3, 20, "the notifications as well")
    assert app.stop() == 0
    assert "SECRET" not in (data_dir / "settings.json").read_text()
    assert "SECRET" not in (data_dir / "algomesh-tray.log").read_text()


def test_an_engine_outage_reaches_telegram_too(
    desktop: VirtualDesktop, start_program: Any, tmp_path: Path, telegram: FakeService
) -> None:
    """The engine dies: besides the popup, one "disconnected" message at the Telegram server (its
    engine-status switch is on by default), and one "back" when it returns."""
    keyring_env = secrets_in_a_keyring_file(desktop, tmp_path, {"telegram_token": "123:SECRET"})
    engine, port = start_engine(start_program, "--rate", "2")
    settings = {"host": "127.0.0.1", "port": port, "telegram_enabled": True, "telegram_chat_id": "42",
                "telegram_filter": "no-such-strategy", "engine_alert_seconds": 1,
                "escalate_after_seconds": 0}  # fmt: skip
    app, _data_dir = start_app(
        start_program, tmp_path, settings, {**keyring_env, "ALGOMESH_TRAY_TELEGRAM_API": telegram.url}
    )
    app.wait_for_line("telegram bridge on")
    app.wait_for_line("engine connected")
    engine.process.kill()
    engine.process.wait()
    texts = lambda: [seen.payload["text"] for seen in telegram.seen]  # noqa: E731
    wait_until(lambda: any("AlgoMesh engine disconnected" in text for text in texts()), 15, "the alert at Telegram")
    again: Any = start_program("algomesh-tray-engine", "--port", str(port), "--rate", "2")
    wait_until(lambda: any("AlgoMesh engine is back" in text for text in texts()), 15, "the 'back' message")
    assert len(texts()) == 2  # the filter keeps the trades out; engine alerts pass it
    assert app.stop() == 0
    again.stop()


def test_an_unanswered_outage_reaches_telegram_after_the_delay_and_a_clicked_one_never(
    desktop: VirtualDesktop, start_program: Any, tmp_path: Path, telegram: FakeService
) -> None:
    """Escalation: the popup comes first. Nobody clicks it: after ``escalate_after_seconds`` the outage
    goes to Telegram, and so does its recovery. The next outage's popup is clicked (a real middle click
    on dunst's popup): Telegram gets neither it nor its recovery."""
    keyring_env = secrets_in_a_keyring_file(desktop, tmp_path, {"telegram_token": "123:SECRET"})
    engine, port = start_engine(start_program, "--rate", "2")
    escalate = 3
    settings = {"host": "127.0.0.1", "port": port, "telegram_enabled": True, "telegram_chat_id": "42",
                "telegram_filter": "no-such-strategy", "engine_alert_seconds": 1,
                "escalate_after_seconds": escalate}  # fmt: skip
    app, _data_dir = start_app(
        start_program, tmp_path, settings, {**keyring_env, "ALGOMESH_TRAY_TELEGRAM_API": telegram.url}
    )
    app.wait_for_line("telegram bridge on")
    app.wait_for_line("engine connected")
    texts = lambda: [seen.payload["text"] for seen in telegram.seen]  # noqa: E731
    desktop.dismiss_notifications()
    already = len(desktop.notifications())
    outage_popups = lambda: [n for n in desktop.notifications()[already:] if n.summary == DOWN]  # noqa: E731

    engine.process.kill()
    engine.process.wait()
    wait_until(outage_popups, 15, "the outage popup")
    popup_seen = time.monotonic()
    assert texts() == []  # the desk first
    wait_until(lambda: any(DOWN in text for text in texts()), 15, "the unanswered outage at Telegram")
    assert telegram.seen[0].at - popup_seen >= escalate - 1.5  # it waited (the popup came ~1 s after the alert)
    engine = start_program("algomesh-tray-engine", "--port", str(port), "--rate", "2")
    wait_until(lambda: any(BACK in text for text in texts()), 15, "the recovery at Telegram")

    desktop.dismiss_notifications()
    popups_before = len(outage_popups())
    engine.process.kill()
    engine.process.wait()
    wait_until(lambda: len(outage_popups()) > popups_before, 15, "the second outage popup")
    popup_seen = time.monotonic()
    window = wait_until(lambda: _dunst_popup(desktop), 10, "dunst's popup on screen")
    x, y = window.x + window.width // 2, window.y + window.height // 2  # type: ignore[attr-defined]
    desktop.run("xdotool", "mousemove", str(x), str(y), "click", "2")  # dunst's default action: a click
    app.wait_for_line("engine outage acknowledged at the desk", timeout=10)
    wait_until(lambda: time.monotonic() > popup_seen + escalate + 1, escalate + 5, "past the escalation delay")
    again = start_program("algomesh-tray-engine", "--port", str(port), "--rate", "2")
    app.wait_for_line("AlgoMesh engine is back", timeout=15)
    assert app.stop() == 0  # a clean quit: whatever the bridges had queued went out
    assert len(texts()) == 2 and DOWN in texts()[0] and BACK in texts()[1]
    again.stop()


def _dunst_popup(desktop: VirtualDesktop) -> Any:
    return next(
        (w for w in desktop.windows() if '"Dunst"' in w.wm_class and w.width > 1 and desktop.is_viewable(w.id)), None
    )


def test_signals_waiting_for_a_dead_service_survive_a_kill_and_go_out_after(
    desktop: VirtualDesktop, start_program: Any, tmp_path: Path, telegram: FakeService
) -> None:
    """Telegram is down (503) while five signals come; the app is killed (SIGKILL, no goodbye). Started
    again with Telegram back, it sends all five from the outbox, in order: none lost."""
    telegram.default = Answer(503, {"ok": False, "error_code": 503, "description": "Service Unavailable"})
    keyring_env = secrets_in_a_keyring_file(desktop, tmp_path, {"telegram_token": "123:SECRET"})
    engine, port = start_engine(start_program, "--rate", "5", "--count", "5", "--seed", "11")
    settings = {"host": "127.0.0.1", "port": port, "telegram_enabled": True, "telegram_chat_id": "42"}
    env = {**keyring_env, "ALGOMESH_TRAY_TELEGRAM_API": telegram.url}
    already = len(desktop.notifications())
    app, data_dir = start_app(start_program, tmp_path, settings, env)
    ours = lambda: [n for n in desktop.notifications()[already:] if n.app_name == "AlgoMesh Tray"]  # noqa: E731
    wait_until(lambda: len(ours()) >= 5, 20, "the five popups (each signal logged first, with its outbox rows)")
    app.wait_for_line("telegram bridge: telegram answered HTTP 503")
    app.process.kill()
    app.process.wait()
    titles = [expected_notification(frame)[0] for frame in sent_frames(engine)]
    assert len(titles) == 5

    tried = len(telegram.seen)
    telegram.default = Answer()
    again = start_program("algomesh-tray", "--data-dir", str(data_dir), env=env)
    delivered = lambda: [seen.payload["text"] for seen in telegram.seen[tried:]]  # noqa: E731
    wait_until(lambda: len(delivered()) >= 5, 30, "the five signals at Telegram after the restart")
    # At least once: the message in flight at the kill may come twice, never zero times, and in order.
    texts = delivered()
    sent = [text for index, text in enumerate(texts) if index == 0 or text != texts[index - 1]]
    assert [text.split("\n")[0] for text in sent] == [f"<b>{title}</b>" for title in titles]
    assert again.stop() == 0
