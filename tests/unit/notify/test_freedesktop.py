"""The freedesktop backend on a real dbus-daemon, against a notification service we control."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from algomesh_tray.feed.records import TradeRecord
from algomesh_tray.notify.dispatcher import SUMMARY_TAG, NotificationDispatcher
from algomesh_tray.notify.freedesktop import (
    DESKTOP_ENTRY,
    DesktopNotifier,
    ServiceUnavailable,
    probe_notification_service,
    themed_icon,
)
from algomesh_tray.notify.notification import Notification
from algomesh_tray.platform.resources import icon_path

from ...dbus_fakes import FakeNotificationService, PrivateBus
from ..conftest import make_received, wait_until

ICON = "/somewhere/algomesh-tray.svg"


def record(number: int) -> TradeRecord:
    """A logged trade with its own id, received now."""
    return TradeRecord(number, time.time(), make_received(number).signal, "{}")


class Heard:
    """What the backend reported back to the app."""

    def __init__(self) -> None:
        self.clicked: list[TradeRecord | None] = []
        self.pauses = 0
        self.failed: list[tuple[str, Notification]] = []
        self.late: list[Notification] = []

    def pause(self) -> None:
        self.pauses += 1

    def fail(self, reason: str, notification: Notification) -> None:
        self.failed.append((reason, notification))


Scenario = Callable[[FakeNotificationService, DesktopNotifier, Heard], Awaitable[None]]


def run(
    scenario: Scenario,
    tmp_path: Path,
    *,
    delay: float = 0.0,
    capabilities: tuple[str, ...] | None = None,
    **options: object,
) -> None:
    """Run ``scenario`` with a fake service on a private bus and a DesktopNotifier connected to it."""

    async def main(bus: PrivateBus) -> None:
        service = FakeNotificationService(bus.address, delay=delay)
        if capabilities is not None:
            service.capabilities = capabilities
        await service.start()
        heard = Heard()
        notifier = DesktopNotifier(
            app_name="AlgoMesh Tray", app_icon=ICON, bus=bus.address, on_clicked=heard.clicked.append,
            on_pause_requested=heard.pause, on_failed=heard.fail, **options,  # type: ignore[arg-type]
        )  # fmt: skip
        notifier.set_on_late(heard.late.append)
        try:
            await scenario(service, notifier, heard)
        finally:
            notifier.close()
            await notifier.wait_closed()
            await service.stop()

    with PrivateBus(tmp_path / "bus") as bus:
        asyncio.run(main(bus))


def test_a_popup_carries_name_icon_entry_urgency_actions_and_the_servers_expiry(tmp_path: Path) -> None:
    """Notify is typed as the spec says: hints desktop-entry and urgency (a byte), expiry -1, two actions."""

    async def scenario(service: FakeNotificationService, notifier: DesktopNotifier, heard: Heard) -> None:
        notifier.show(Notification("BUY BTCUSDT", "a <b>bold</b> & claim", record(1), category="x-algomesh.signal"))
        await wait_until(lambda: service.calls)
        call = service.calls[0]
        assert (call.app_name, call.app_icon, call.summary) == ("AlgoMesh Tray", ICON, "BUY BTCUSDT")
        assert call.replaces_id == 0
        assert call.body == "a &lt;b&gt;bold&lt;/b&gt; &amp; claim"  # the daemon reads markup: feed text stays text
        assert call.actions == ["default", "Show trade", "pause-1h", "Pause 1 hour"]
        assert call.hints == {"desktop-entry": ("s", DESKTOP_ENTRY), "urgency": ("y", 1),
                              "category": ("s", "x-algomesh.signal")}  # fmt: skip
        assert call.expire_timeout == -1
        assert notifier.server is not None and notifier.server.actions

    run(scenario, tmp_path)


def test_a_sound_rules_popup_carries_the_sound_name_hint_and_an_ordinary_one_does_not(tmp_path: Path) -> None:
    """The "sound" rule asks the desktop for the spec's ``sound-name`` (message-new-instant); a
    service listing the ``sound`` capability says it plays it, one without does not."""

    async def scenario(service: FakeNotificationService, notifier: DesktopNotifier, heard: Heard) -> None:
        notifier.show(Notification("BUY BTCUSDT", "rings", record(1), sound=True))
        notifier.show(Notification("SELL BTCUSDT", "quiet", record(2)))
        await wait_until(lambda: len(service.calls) == 2)
        ringing, quiet = service.calls
        assert ringing.hints["sound-name"] == ("s", "message-new-instant")
        assert "sound-name" not in quiet.hints and "sound-file" not in quiet.hints
        assert notifier.server is not None and notifier.server.sound

    run(scenario, tmp_path, capabilities=("body", "sound"))


def test_a_sound_picked_in_settings_goes_as_sound_file_beside_sound_name(tmp_path: Path) -> None:
    """A picked sound (not the desktop's) is sent as ``sound-file`` too, which services play first."""

    async def scenario(service: FakeNotificationService, notifier: DesktopNotifier, heard: Heard) -> None:
        notifier.show(Notification("BUY BTCUSDT", "rings", record(1), sound=True))
        notifier.show(Notification("SELL BTCUSDT", "quiet", record(2)))
        await wait_until(lambda: len(service.calls) == 2)
        ringing, quiet = service.calls
        assert ringing.hints["sound-file"] == ("s", "/opt/x/knock.wav")
        assert ringing.hints["sound-name"] == ("s", "message-new-instant")
        assert "sound-file" not in quiet.hints

    run(scenario, tmp_path, capabilities=("body", "sound"), sound_file="/opt/x/knock.wav")


def test_a_service_without_the_sound_capability_says_so(tmp_path: Path) -> None:
    """dunst lists no ``sound``: ServerInfo.sound is False, so the app plays its own sound."""

    async def scenario(service: FakeNotificationService, notifier: DesktopNotifier, heard: Heard) -> None:
        notifier.show(Notification("BUY BTCUSDT", "rings", record(1), sound=True))
        await wait_until(lambda: service.calls)
        assert service.calls[0].hints["sound-name"] == ("s", "message-new-instant")
        assert notifier.server is not None and not notifier.server.sound

    run(scenario, tmp_path, capabilities=("body", "actions"))


def test_keep_until_dismissed_asks_for_no_expiry_and_critical_is_byte_2(tmp_path: Path) -> None:
    """The Settings option sends expire_timeout 0; an engine alert goes out critical with no pause button."""

    async def scenario(service: FakeNotificationService, notifier: DesktopNotifier, heard: Heard) -> None:
        notifier.show(Notification("AlgoMesh engine disconnected", "why", urgency="critical", offer_pause=False))
        await wait_until(lambda: service.calls)
        call = service.calls[0]
        assert call.expire_timeout == 0 and call.hints["urgency"] == ("y", 2)
        assert call.actions == ["default", "Open AlgoMesh Tray"]

    run(scenario, tmp_path, keep_until_dismissed=True)


def test_a_daemon_without_actions_or_markup_gets_neither(tmp_path: Path) -> None:
    """GetCapabilities decides: no 'actions' -> no buttons; no 'body-markup' -> the body as it is."""

    async def scenario(service: FakeNotificationService, notifier: DesktopNotifier, heard: Heard) -> None:
        notifier.show(Notification("title", "a < b & c", record(1)))
        await wait_until(lambda: service.calls)
        assert service.calls[0].actions == [] and service.calls[0].body == "a < b & c"

    run(scenario, tmp_path, capabilities=("body",))


def test_a_click_reports_the_popups_trade_and_the_pause_button_pauses(tmp_path: Path) -> None:
    """ActionInvoked(id, 'default') -> on_clicked(record); 'pause-1h' -> on_pause_requested; other ids ignored."""

    async def scenario(service: FakeNotificationService, notifier: DesktopNotifier, heard: Heard) -> None:
        notifier.show(Notification("one", "", record(1)))
        notifier.show(Notification("two", "", record(2)))
        await wait_until(lambda: len(service.calls) == 2 and notifier.sent == 2)
        first, second = service.calls
        await service.emit("ActionInvoked", second.id, "default")
        await wait_until(lambda: heard.clicked)
        assert [clicked.id if clicked else None for clicked in heard.clicked] == [2]
        await service.emit("ActionInvoked", 999, "default")  # another app's popup
        await service.emit("ActionInvoked", first.id, "pause-1h")
        await wait_until(lambda: heard.pauses == 1)
        assert len(heard.clicked) == 1

    run(scenario, tmp_path)


def test_a_storm_summary_updates_one_popup_in_place_until_it_is_closed(tmp_path: Path) -> None:
    """Summaries share replaces_id while the popup is on screen; once closed, the next is a new popup."""

    async def scenario(service: FakeNotificationService, notifier: DesktopNotifier, heard: Heard) -> None:
        for sent, count in enumerate((10, 20), start=1):
            notifier.show(Notification(f"{count} more signals", "", record(count), replaces=SUMMARY_TAG))
            await wait_until(lambda sent=sent: notifier.sent == sent)  # type: ignore[misc]
        first, second = service.calls
        assert first.replaces_id == 0 and second.replaces_id == first.id and second.id == first.id
        await service.emit("NotificationClosed", first.id, 2)
        await wait_until(lambda: not notifier._tags)  # white-box: the closed popup is forgotten
        notifier.show(Notification("30 more signals", "", record(30), replaces=SUMMARY_TAG))
        await wait_until(lambda: notifier.sent == 3)
        assert service.calls[2].replaces_id == 0

    run(scenario, tmp_path)


def test_the_popup_to_trade_map_stays_bounded(tmp_path: Path) -> None:
    """Thousands of popups that are never closed: only the newest ``remembered`` ids are kept."""

    async def scenario(service: FakeNotificationService, notifier: DesktopNotifier, heard: Heard) -> None:
        for number in range(2000):
            notifier.show(Notification("t", "", record(number)))
        await wait_until(lambda: notifier.sent == 2000, timeout=60)
        assert len(notifier._shown) == 50
        await service.emit("ActionInvoked", service.calls[-1].id, "default")
        await wait_until(lambda: heard.clicked)

    run(scenario, tmp_path, remembered=50, max_queued=2000)


def test_a_slow_daemon_costs_popups_never_time_or_responsiveness(tmp_path: Path) -> None:
    """A daemon taking 1 s per Notify, 20 popups/s for 3 s: every Notify reaches the bus by its
    deadline (2 s after the signal), the rest come back as late, the loop never stalls, close is quick."""

    async def scenario(service: FakeNotificationService, notifier: DesktopNotifier, heard: Heard) -> None:
        loop = asyncio.get_running_loop()
        deadlines: dict[str, float] = {}
        worst_lag = 0.0
        for number in range(60):
            before = loop.time()
            await asyncio.sleep(0.05)
            worst_lag = max(worst_lag, loop.time() - before - 0.05)
            deadline = time.monotonic() + 2.0
            deadlines[str(number)] = deadline
            notifier.show(Notification(str(number), "", record(number), deadline=deadline))
        await wait_until(
            lambda: len(service.calls) + len(heard.late) == 60, timeout=10, what="every popup sent or late"
        )
        assert not notifier._queue
        assert 3 <= len(service.calls) <= 8  # one at a time: about one a second
        assert all(call.arrived <= deadlines[call.summary] for call in service.calls)
        assert worst_lag < 0.2
        notifier.show(Notification("queued", "", record(99)))  # in the queue or in flight at close
        started = time.monotonic()
        notifier.close()
        await notifier.wait_closed(timeout=2.0)
        assert notifier._task.done() and time.monotonic() - started < 2.0

    run(scenario, tmp_path, delay=1.0)


def test_a_hung_daemon_times_out_each_call_and_close_is_still_quick(tmp_path: Path) -> None:
    """A daemon that never answers in time: calls time out (counted), close() ends within 2 s."""

    async def scenario(service: FakeNotificationService, notifier: DesktopNotifier, heard: Heard) -> None:
        for number in range(5):
            notifier.show(Notification(str(number), "", record(number)))
        await wait_until(lambda: notifier.timed_out >= 1, timeout=5)
        started = time.monotonic()
        notifier.close()
        await notifier.wait_closed(timeout=2.0)
        assert notifier._task.done() and time.monotonic() - started < 2.0
        assert heard.failed == []  # slow is not absent: no fallback for that

    run(scenario, tmp_path, delay=5.0, call_timeout=0.5)


def test_no_service_on_the_bus_reports_every_popup_as_failed(tmp_path: Path) -> None:
    """Nobody owns org.freedesktop.Notifications: on_failed hears why, for queued and later popups."""

    async def main(bus: PrivateBus) -> None:
        heard = Heard()
        notifier = DesktopNotifier(app_name="AlgoMesh Tray", app_icon=ICON, bus=bus.address, on_failed=heard.fail)
        notifier.show(Notification("early", ""))
        assert await notifier.ready() is None
        notifier.show(Notification("later", ""))
        await wait_until(lambda: len(heard.failed) == 2)
        assert [(reason, n.title) for reason, n in heard.failed] == [
            ("no notification service is running on this desktop", "early"),
            ("no notification service is running on this desktop", "later"),
        ]
        with pytest.raises(ServiceUnavailable, match="no notification service"):
            await probe_notification_service(bus=bus.address)
        notifier.close()

    with PrivateBus(tmp_path / "bus") as bus:
        asyncio.run(main(bus))


def test_no_bus_at_all_reports_failure(tmp_path: Path) -> None:
    """A session bus address that leads nowhere: the reason names the bus."""

    async def main() -> None:
        heard = Heard()
        notifier = DesktopNotifier(app_name="x", app_icon=ICON, bus=f"unix:path={tmp_path}/none", on_failed=heard.fail)
        notifier.show(Notification("early", ""))
        await wait_until(lambda: heard.failed)
        assert heard.failed[0][0].startswith("the desktop session bus cannot be reached")

    asyncio.run(main())


def test_probe_reads_the_servers_name_and_capabilities(tmp_path: Path) -> None:
    """Settings can say what the desktop supports."""

    async def main(bus: PrivateBus) -> None:
        service = await FakeNotificationService(bus.address, capabilities=("body", "actions")).start()
        info = await probe_notification_service(bus=bus.address)
        assert (info.name, info.actions, info.body_markup) == ("fake", True, False)
        await service.stop()

    with PrivateBus(tmp_path / "bus") as bus:
        asyncio.run(main(bus))


def test_late_popups_are_folded_into_the_dispatchers_summary(tmp_path: Path) -> None:
    """Dispatcher over the backend, slow daemon, a burst: late ones are counted in a summary popup."""

    async def scenario(service: FakeNotificationService, notifier: DesktopNotifier, heard: Heard) -> None:
        dispatcher = NotificationDispatcher(notifier, max_popups=5, window=0.2, max_delay=0.3)
        dispatcher.dispatch([record(n) for n in range(5)])  # all within the storm limit
        await wait_until(lambda: any(call.summary.endswith("more signals") for call in service.calls), timeout=5)
        singles = [call for call in service.calls if not call.summary.endswith("more signals")]
        assert dispatcher.late >= 2 and len(singles) + dispatcher.late == 5
        summary = service.calls[-1]
        assert summary.summary == f"{dispatcher.late} more signals" and summary.hints["urgency"] == ("y", 1)

    run(scenario, tmp_path, delay=0.25)


def test_the_icon_is_the_themed_name_once_installed_else_the_bundled_file(tmp_path: Path) -> None:
    """An icon in some data dir's hicolor theme -> 'algomesh-tray'; otherwise the shipped SVG's path."""
    assert themed_icon([tmp_path]) == str(icon_path("algomesh-tray"))
    (tmp_path / "icons/hicolor/48x48/apps").mkdir(parents=True)
    (tmp_path / "icons/hicolor/48x48/apps/algomesh-tray.png").write_bytes(b"")
    assert themed_icon([tmp_path / "other", tmp_path]) == "algomesh-tray"


def test_clicks_count_only_from_the_daemon(tmp_path: Path) -> None:
    """Another program on the bus sending ActionInvoked for our popup's id is no click."""

    async def scenario(service: FakeNotificationService, notifier: DesktopNotifier, heard: Heard) -> None:
        notifier.show(Notification("one", "", record(1)))
        await wait_until(lambda: notifier.sent == 1)
        impostor = await FakeNotificationService(service.address).start_unnamed()
        await impostor.emit("ActionInvoked", service.calls[0].id, "default")
        await impostor.emit("ActionInvoked", service.calls[0].id, "pause-1h")
        await service.emit("ActionInvoked", service.calls[0].id, "pause-1h")  # then the daemon's own
        await wait_until(lambda: heard.pauses == 1)
        assert heard.clicked == [] and heard.pauses == 1
        await impostor.stop()

    run(scenario, tmp_path)


def test_an_outage_waiting_for_an_answer_is_answered_by_a_click_or_its_button(tmp_path: Path) -> None:
    """An outage alert that offers an answer carries "I'm on it"; its button and a click on it answer it,
    a click on a trade's popup does not."""
    answered: list[str] = []

    async def scenario(service: FakeNotificationService, notifier: DesktopNotifier, heard: Heard) -> None:
        notifier.show(Notification("AlgoMesh engine disconnected", "why", offer_pause=False, offer_acknowledge=True))
        notifier.show(Notification("BUY BTCUSDT", "", record(1)))
        await wait_until(lambda: len(service.calls) == 2 and notifier.sent == 2)
        outage, trade = service.calls
        assert outage.actions == ["default", "Open AlgoMesh Tray", "acknowledge-outage", "I'm on it"]
        assert "acknowledge-outage" not in trade.actions
        await service.emit("ActionInvoked", trade.id, "default")
        await service.emit("ActionInvoked", outage.id, "acknowledge-outage")
        await wait_until(lambda: answered == ["answered"])
        await service.emit("ActionInvoked", outage.id, "default")
        await wait_until(lambda: len(answered) == 2)
        assert [clicked.id if clicked else None for clicked in heard.clicked] == [1, None]

    run(scenario, tmp_path, on_acknowledged=lambda: answered.append("answered"))
