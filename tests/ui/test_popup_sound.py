"""The "sound" rule through the app's popup owner, against a notification service on a private
D-Bus (tests/dbus_fakes.py): the popup carries the spec's hint, and the app plays its own sound
only where the service does not list the ``sound`` capability. The player is a real process from
a PATH holding one script that records its arguments."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from algomesh_tray.notify.sound import SoundPlayer
from algomesh_tray.platform.resources import resource_path
from algomesh_tray.qt.actions import AppActions
from algomesh_tray.qt.event_loop import BatchingEventLoop
from algomesh_tray.qt.popups import Notifications
from algomesh_tray.qt.tray import TrayIcon
from algomesh_tray.settings import Settings

from ..dbus_fakes import FakeNotificationService, NotifyCall, PrivateBus
from ..waiting import wait_until, wait_until_async
from .conftest import RecordFactory


def recording_player(tmp_path: Path) -> tuple[SoundPlayer, Path]:
    """A SoundPlayer whose PATH holds only a ``paplay`` that appends its arguments to ``heard``."""
    folder, heard = tmp_path / "bin", tmp_path / "heard"
    folder.mkdir()
    script = folder / "paplay"
    script.write_text(f'#!/bin/sh\necho "$@" >> "{heard}"\n')
    script.chmod(0o755)
    return SoundPlayer(sound_file=tmp_path / "alert.wav", platform="linux", path=str(folder), min_interval=0), heard


Scenario = Callable[[Notifications, FakeNotificationService], Awaitable[None]]


def with_a_service(
    qapp: QApplication,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capabilities: tuple[str, ...],
    notifications_for: Callable[[], Notifications],
    scenario: Scenario,
) -> list[NotifyCall]:
    """Run ``scenario`` on the app's loop with a service of ``capabilities`` on a private bus and the
    Notifications ``notifications_for`` makes, its backend chosen; the Notify calls the service got."""
    calls: list[NotifyCall] = []

    async def main(address: str) -> None:
        service = FakeNotificationService(address, capabilities=capabilities)
        await service.start()
        notifications = notifications_for()
        try:
            await notifications.choose_backend()
            await scenario(notifications, service)
            calls.extend(service.calls)
        finally:
            await notifications.close()
            await service.stop()

    with PrivateBus(tmp_path / "bus") as bus:
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", bus.address)
        loop = BatchingEventLoop(qapp)
        try:
            loop.run_until_complete(main(bus.address))
        finally:
            loop.close()
    return calls


def popups_with_sound_rule(
    qapp: QApplication,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    make_record: RecordFactory,
    capabilities: tuple[str, ...],
    sound: str = "desktop",
) -> tuple[list[NotifyCall], SoundPlayer, Path]:
    """A BUY (``action BUY: sound``) and a SELL through Notifications and the service; what it got."""
    player, heard = recording_player(tmp_path)

    def notifications_for() -> Notifications:
        return Notifications(TrayIcon(AppActions()), Settings(rules="action BUY: sound", sound=sound), player=player)

    async def scenario(notifications: Notifications, service: FakeNotificationService) -> None:
        assert notifications.backend == "dbus"
        now = time.time()
        notifications.dispatch([make_record(action="BUY", received_at=now),
                                make_record(action="SELL", received_at=now)])  # fmt: skip
        await wait_until_async(lambda: len(service.calls) == 2, 10, what="two Notify calls")

    calls = with_a_service(qapp, tmp_path, monkeypatch, capabilities, notifications_for, scenario)
    return calls, player, heard


def test_a_service_that_plays_sounds_gets_the_hint_and_the_app_plays_nothing(
    qapp: QApplication, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make_record: RecordFactory
) -> None:
    """GNOME-like (``sound`` listed): only the BUY popup asks for message-new-instant; no player runs."""
    calls, player, heard = popups_with_sound_rule(qapp, tmp_path, monkeypatch, make_record, ("body", "sound"))
    by_title = {call.summary.split()[0]: call for call in calls}
    assert by_title["BUY"].hints["sound-name"] == ("s", "message-new-instant")
    assert "sound-name" not in by_title["SELL"].hints
    assert player.played == 0 and not heard.exists()


def test_a_service_without_sounds_gets_the_hint_and_the_app_plays_its_own(
    qapp: QApplication, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make_record: RecordFactory
) -> None:
    """dunst-like (no ``sound``): the hint still goes out, and the player is started once, for the BUY."""
    calls, player, heard = popups_with_sound_rule(qapp, tmp_path, monkeypatch, make_record, ("body", "actions"))
    assert [("sound-name" in call.hints) for call in calls] == [True, False]
    wait_until(lambda: heard.exists() and heard.read_text().strip(), 10, "the player to run")
    assert heard.read_text().splitlines() == [str(tmp_path / "alert.wav")] and player.played == 1


def test_a_sound_picked_in_settings_is_sent_as_the_sound_file_hint(
    qapp: QApplication, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make_record: RecordFactory
) -> None:
    """Settings' "Knock": the BUY popup names the shipped knock file beside the spec's sound name."""
    calls, _, _ = popups_with_sound_rule(qapp, tmp_path, monkeypatch, make_record, ("body", "sound"), sound="knock")
    buy = next(call for call in calls if call.summary.startswith("BUY "))
    assert buy.hints["sound-file"] == ("s", str(resource_path("sounds/algomesh-knock.wav")))
    assert buy.hints["sound-name"] == ("s", "message-new-instant")


def test_a_new_pick_in_settings_reaches_the_next_popup(
    qapp: QApplication, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make_record: RecordFactory
) -> None:
    """Saving another sound rebuilds the D-Bus backend: the desktop's sound first, then Ping's file."""
    player, _ = recording_player(tmp_path)

    def notifications_for() -> Notifications:
        return Notifications(TrayIcon(AppActions()), Settings(rules="action BUY: sound"), player=player)

    async def scenario(notifications: Notifications, service: FakeNotificationService) -> None:
        notifications.dispatch([make_record(action="BUY", received_at=time.time())])
        await wait_until_async(lambda: len(service.calls) == 1, 10, what="the first Notify call")
        notifications.apply(Settings(rules="action BUY: sound", sound="ping"))
        notifications.dispatch([make_record(action="BUY", received_at=time.time())])
        await wait_until_async(lambda: len(service.calls) == 2, 10, what="the second Notify call")

    calls = with_a_service(qapp, tmp_path, monkeypatch, ("body", "sound"), notifications_for, scenario)
    first, second = calls
    assert "sound-file" not in first.hints and first.hints["sound-name"] == ("s", "message-new-instant")
    assert second.hints["sound-file"] == ("s", str(resource_path("sounds/algomesh-ping.wav")))
    assert player.played == 0  # this service plays sounds itself
