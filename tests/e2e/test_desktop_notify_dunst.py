"""The freedesktop backend against real dunst on a virtual desktop, dbus-monitor as the witness:
what each Notify carries, a real click, the Pause button, and a storm summary updated in place."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from algomesh_tray.feed.protocol import StrategySignal, parse_frame
from algomesh_tray.feed.records import TradeRecord
from algomesh_tray.notify.dispatcher import SUMMARY_TAG, NotificationDispatcher
from algomesh_tray.notify.freedesktop import DesktopNotifier, themed_icon
from algomesh_tray.notify.notification import Notification

from ..unit.conftest import example_frame
from .desktop import VirtualDesktop, wait_until

pytestmark = pytest.mark.e2e

#: dunst's context menu runs this instead of dmenu: it picks the "Pause 1 hour" entry, as a user would.
_PICK_PAUSE = """#!/bin/sh
grep "Pause 1 hour" | head -n 1
"""


@pytest.fixture(scope="module")
def dunst_desktop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VirtualDesktop]:
    """A desktop whose dunst reads markup (as stock) and whose context menu picks Pause 1 hour."""
    workdir = tmp_path_factory.mktemp("dunst-desktop")
    picker = workdir / "pick-pause.sh"
    picker.write_text(_PICK_PAUSE)
    picker.chmod(0o755)
    dunstrc = workdir / "dunstrc"
    dunstrc.write_text(f"[global]\n    markup = full\n    dmenu = {picker}\n")
    desktop = VirtualDesktop(workdir, system_tray=False, dunstrc=dunstrc)
    try:
        yield desktop.start()
    finally:
        desktop.stop()


@dataclass(frozen=True)
class Witnessed:
    """One Notify call as dbus-monitor printed it, every argument."""

    app_name: str
    replaces_id: int
    app_icon: str
    summary: str
    body: str
    actions: list[str]
    hints: dict[str, str]
    expire_timeout: int


def witnessed(desktop: VirtualDesktop) -> list[Witnessed]:
    """Every Notify call in dbus-monitor's log, parsed from its text."""
    calls = []
    log = desktop.notify_log.read_text(errors="replace")
    for block in re.split(r"^(?=(?:method call|method return|signal|error) time=)", log, flags=re.M):
        if not block.startswith("method call") or "member=Notify\n" not in block:
            continue
        strings = re.findall(r'^   string "(.*?)"$', block, flags=re.M | re.S)  # a body may span lines
        numbers = re.findall(r"^   (?:u?int32) (-?\d+)$", block, flags=re.M)
        actions = re.findall(r'^      string "(.*)"$', block, flags=re.M)
        hints = dict(re.findall(r'string "([^"]+)"\n\s+variant\s+(\w+ .*)', block))
        if len(strings) >= 4 and len(numbers) == 2:
            app_name, icon, summary, body = strings[:4]
            calls.append(Witnessed(app_name, int(numbers[0]), icon, summary, body, actions, hints, int(numbers[1])))
    return calls


def trade(number: int) -> TradeRecord:
    """A logged trade received now."""
    signal = parse_frame(example_frame(price=100.0 + number))
    assert isinstance(signal, StrategySignal)
    return TradeRecord(number, time.time(), signal, "{}")


class App:
    """The part of the app a popup talks back to."""

    def __init__(self) -> None:
        self.opened: list[TradeRecord | None] = []
        self.pauses = 0
        self.failed: list[str] = []

    def pause(self) -> None:
        self.pauses += 1

    def fail(self, reason: str, notification: Notification) -> None:
        self.failed.append(reason)


def run_on(
    desktop: VirtualDesktop, scenario: Callable[[DesktopNotifier, App], Awaitable[None]], **options: object
) -> App:
    """Run ``scenario`` with a DesktopNotifier on the desktop's session bus; its screen starts empty."""
    desktop.dismiss_notifications()
    app = App()

    async def main() -> None:
        notifier = DesktopNotifier(
            app_name="AlgoMesh Tray", app_icon=themed_icon(), bus=desktop.env["DBUS_SESSION_BUS_ADDRESS"],
            on_clicked=app.opened.append, on_pause_requested=app.pause, on_failed=app.fail, **options,  # type: ignore[arg-type]
        )  # fmt: skip
        try:
            assert await notifier.ready() is not None, notifier.failure
            await scenario(notifier, app)
        finally:
            notifier.close()
            await notifier.wait_closed()

    asyncio.run(main())
    assert app.failed == []
    return app


async def until(predicate: Callable[[], object], what: str, timeout: float = 10) -> None:
    """wait_until without blocking the event loop the notifier runs on."""
    await asyncio.to_thread(wait_until, predicate, timeout, what)


def test_a_popup_on_dunst_carries_actions_icon_desktop_entry_and_an_expiry(dunst_desktop: VirtualDesktop) -> None:
    """dbus-monitor sees: app name, the app's icon, actions default + pause-1h, desktop-entry, urgency
    as a byte, the server's expiry (-1); escaped markup; 'keep until dismissed' sends 0."""
    before = len(witnessed(dunst_desktop))

    async def show_one(notifier: DesktopNotifier, app: App) -> None:
        notifier.show(Notification.for_record(trade(1)))
        await until(lambda: len(witnessed(dunst_desktop)) > before, "the Notify call")

    run_on(dunst_desktop, show_one)
    call = witnessed(dunst_desktop)[-1]
    assert (call.app_name, call.summary, call.replaces_id) == ("AlgoMesh Tray", "BUY BTCUSDT", 0)
    assert call.app_icon == themed_icon() and call.app_icon.endswith("algomesh-tray.svg")
    assert Path(call.app_icon).is_file()
    assert call.actions == ["default", "Show trade", "pause-1h", "Pause 1 hour"]
    assert call.hints["desktop-entry"] == 'string "algomesh-tray"' and call.hints["urgency"] == "byte 1"
    assert call.expire_timeout == -1

    async def show_kept(notifier: DesktopNotifier, app: App) -> None:
        notifier.show(
            Notification("<b>AlgoMesh engine disconnected</b>", "a & b", urgency="critical", offer_pause=False)
        )
        await until(lambda: len(witnessed(dunst_desktop)) > before + 1, "the second Notify call")

    run_on(dunst_desktop, show_kept, keep_until_dismissed=True)
    kept = witnessed(dunst_desktop)[-1]
    assert kept.expire_timeout == 0 and kept.hints["urgency"] == "byte 2" and kept.body == "a &amp; b"
    assert kept.actions == ["default", "Open AlgoMesh Tray"]


def test_a_middle_click_on_the_popup_opens_its_trade(dunst_desktop: VirtualDesktop) -> None:
    """dunst's stock middle click runs the default action: a real xdotool click reports the popup's trade."""

    def popup_window() -> object:
        return next((w for w in dunst_desktop.windows() if '"Dunst"' in w.wm_class and w.width > 1
                     and dunst_desktop.is_viewable(w.id)), None)  # fmt: skip

    async def click(notifier: DesktopNotifier, app: App) -> None:
        notifier.show(Notification.for_record(trade(7)))
        await until(popup_window, "dunst's popup on screen")
        window = popup_window()
        assert window is not None
        x, y = window.x + window.width // 2, window.y + window.height // 2  # type: ignore[attr-defined]
        await asyncio.to_thread(dunst_desktop.run, "xdotool", "mousemove", str(x), str(y), "click", "2")
        await until(lambda: app.opened, "the click to be reported")

    app = run_on(dunst_desktop, click)
    assert [record.id if record else None for record in app.opened] == [7]


def test_dunstctl_action_and_the_pause_button(dunst_desktop: VirtualDesktop) -> None:
    """`dunstctl action 0` clicks the newest popup (its trade opens); the context menu's 'Pause 1 hour'
    (picked by the dmenu stand-in) pauses."""

    async def act(notifier: DesktopNotifier, app: App) -> None:
        notifier.show(Notification.for_record(trade(3)))
        await until(lambda: notifier.sent == 1, "the popup")
        await asyncio.to_thread(dunst_desktop.run, "dunstctl", "action", "0")
        await until(lambda: app.opened, "the click")
        notifier.show(Notification.for_record(trade(4)))
        await until(lambda: notifier.sent == 2, "the second popup")
        await asyncio.to_thread(dunst_desktop.run, "dunstctl", "context")
        await until(lambda: app.pauses, "the Pause button")

    app = run_on(dunst_desktop, act)
    assert [record.id if record else None for record in app.opened] == [3] and app.pauses == 1


def test_a_storm_summary_is_one_popup_updated_in_place(dunst_desktop: VirtualDesktop) -> None:
    """Two storm windows: the second summary's Notify carries the first summary's id as replaces_id."""
    before = len(witnessed(dunst_desktop))

    async def storm(notifier: DesktopNotifier, app: App) -> None:
        dispatcher = NotificationDispatcher(notifier, max_popups=1, window=0.3)
        dispatcher.dispatch([trade(n) for n in range(10)])
        await until(lambda: SUMMARY_TAG in notifier._tags, "the first summary on screen")
        first_id = notifier._tags[SUMMARY_TAG]
        dispatcher.dispatch([trade(n) for n in range(10, 20)])
        await until(lambda: sum(c.summary.endswith("more signals") for c in witnessed(dunst_desktop)[before:]) == 2,
                    "the second summary")  # fmt: skip
        summaries = [c for c in witnessed(dunst_desktop)[before:] if c.summary.endswith("more signals")]
        assert summaries[0].replaces_id == 0 and summaries[1].replaces_id == first_id != 0
        assert notifier._tags[SUMMARY_TAG] == first_id  # dunst kept the id: the same popup, updated
        assert "19 folded since" in summaries[1].body

    run_on(dunst_desktop, storm)
