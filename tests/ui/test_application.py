"""The Application's flows in-process, through its own handlers: a real engine on loopback, a real
trade log in a scratch folder, a real file keyring, Qt's offscreen platform and the qasync loop."""

from __future__ import annotations

import asyncio
import csv
import re
import threading
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from keyrings.alt.file import PlaintextKeyring
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QFileDialog

from algomesh_tray.bridges.credentials import Credentials
from algomesh_tray.feed.engines import engine_from_url
from algomesh_tray.feed.simulator import SimulatedEngine
from algomesh_tray.log.read_only import read_recent
from algomesh_tray.notify.notification import Notification
from algomesh_tray.notify.sound import SOUND_FILE
from algomesh_tray.platform.paths import AppPaths
from algomesh_tray.platform.resources import resource_path
from algomesh_tray.qt.application import TELEGRAM_API_ENV, Application
from algomesh_tray.qt.event_loop import BatchingEventLoop
from algomesh_tray.qt.pause import PauseControl
from algomesh_tray.qt.single_instance import SingleInstance
from algomesh_tray.settings import Settings, load_settings

from ..http_fakes import FakeService
from ..waiting import wait_until_async

Scenario = Callable[[Application, SimulatedEngine], Awaitable[None]]


class Clock:
    """A wall clock the test moves: a pause's end is compared with it."""

    def __init__(self) -> None:
        self.now = datetime.now().astimezone()

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def quit_on_last_window_closed_off(qapp: QApplication) -> Iterator[None]:
    """As startup.py sets it: a window closing must not end the application's run."""
    before = qapp.quitOnLastWindowClosed()
    qapp.setQuitOnLastWindowClosed(False)
    yield
    qapp.setQuitOnLastWindowClosed(before)


def run_application(
    qapp: QApplication,
    tmp_path: Path,
    scenario: Scenario,
    *,
    prepare: Callable[[Application], None] = lambda application: None,
    rate: float = 20,
    first_run: bool = False,
) -> Application:
    """Start the app against a simulated engine (``rate`` signals a second), wait until connected,
    run ``scenario``, then Quit.

    ``prepare`` may replace a part before ``run()`` connects them.
    """
    holder: list[Application] = []

    async def main() -> None:
        engine = SimulatedEngine(port=0, rate=rate, seed=7)
        await engine.start()
        saved = Settings().with_address(engine.url)
        instance = SingleInstance(tmp_path / "data")
        assert instance.claim()
        keyring = PlaintextKeyring()
        keyring.file_path = str(tmp_path / "keyring.cfg")  # type: ignore[misc]
        application = Application(paths=AppPaths.resolve(tmp_path / "data"), saved=saved, effective=saved,
                                  instance=instance, credentials=Credentials(backend=keyring),
                                  first_run=first_run)  # fmt: skip
        holder.append(application)
        prepare(application)
        running = asyncio.get_running_loop().create_task(application.run())
        try:
            await wait_until_async(lambda: _connected(application), 10, what="the engine connected")
            await scenario(application, engine)
        finally:
            application.quit()
            await asyncio.wait_for(running, 15)
            await engine.close()

    on_the_apps_loop(qapp, main())
    return holder[0]


def on_the_apps_loop(qapp: QApplication, scenario: Coroutine[Any, Any, None]) -> None:
    """Run ``scenario`` to its end on the app's own event loop, then close the loop."""
    loop = BatchingEventLoop(qapp)
    try:
        loop.run_until_complete(scenario)
    finally:
        loop.close()


def _connected(application: Application) -> bool:
    """Every engine watched is connected."""
    engines = getattr(application, "engines", None)
    return engines is not None and len(engines) > 0 and not engines.down


def _with_a_tray(application: Application) -> None:
    application.tray.available = True  # the offscreen platform has none; a desktop does


def _listening_to(application: Application) -> list[str]:
    """The address of each engine's listener."""
    return [watched.listener.url for watched in application.engines]


pytestmark = pytest.mark.usefixtures("quit_on_last_window_closed_off")


def test_saved_address_moves_the_listener_and_a_rules_change_does_not(qapp: QApplication, tmp_path: Path) -> None:
    """Save in the Settings window: a new port reconnects there at once; new rules leave the engine be."""
    moved: list[str] = []

    async def scenario(application: Application, engine: SimulatedEngine) -> None:
        other = SimulatedEngine(port=0, rate=20, trade_type="engine-b")
        await other.start()
        try:
            application.open_settings()
            dialog = application.windows.settings_dialog()
            await wait_until_async(dialog.isVisible, what="the Settings window")
            dialog.rules.rules_edit.setPlainText("trade paper: silent")
            dialog.buttons.button(QDialogButtonBox.StandardButton.Save).click()
            await wait_until_async(lambda: application.notifications.dispatcher.rules != (), what="rules applied")
            assert _listening_to(application) == [engine.url]  # only the rules changed
            application.open_settings()
            await wait_until_async(lambda: dialog.isVisible())
            dialog.engines.port_spin.setValue(other.port)
            dialog.buttons.button(QDialogButtonBox.StandardButton.Save).click()
            await wait_until_async(
                lambda: _listening_to(application) == [other.url] and _connected(application), what="engine B"
            )
            before = application.model.rowCount()
            await wait_until_async(
                lambda: any(
                    application.model.record_at(row).signal.trade_type == "engine-b"
                    for row in range(application.model.rowCount() - before)
                ),
                what="a signal from engine B in the table",
            )
            moved.extend(_listening_to(application))
        finally:
            await other.close()

    application = run_application(qapp, tmp_path, scenario)
    (engine,) = application.settings.saved.engines
    assert moved == [engine.url]
    saved, problem = load_settings(tmp_path / "data" / "settings.json")
    assert problem is None and saved.engines == (engine,) and saved.rules == "trade paper: silent"


def test_a_timed_pause_silences_popups_and_ends_on_time(qapp: QApplication, tmp_path: Path) -> None:
    """Pause for 15 minutes: the tray says until when, no popups meanwhile; the timer resumes on time."""
    clock = Clock()
    seen: dict[str, Any] = {}

    async def scenario(application: Application, engine: SimulatedEngine) -> None:
        dispatcher = application.notifications.dispatcher
        application.actions.pause_for["15m"].trigger()
        assert application.actions.pause.isChecked() and dispatcher.paused
        seen["paused_text"] = application.tray.text
        shown, rows = dispatcher.shown, application.model.rowCount()
        await wait_until_async(lambda: application.model.rowCount() >= rows + 3, what="signals while paused")
        seen["shown_while_paused"] = dispatcher.shown - shown
        clock.now += timedelta(minutes=14)
        rows = application.model.rowCount()
        await wait_until_async(lambda: application.model.rowCount() >= rows + 2, what="the pause timer to look again")
        seen["paused_after_14_min"] = application.pause.paused
        clock.now += timedelta(minutes=1)
        await wait_until_async(lambda: not application.pause.paused, what="the pause to end")
        seen["resumed_text"] = application.tray.text
        seen["checked_after"] = application.actions.pause.isChecked()
        seen["dispatcher_paused_after"] = dispatcher.paused

    def fast_clock(application: Application) -> None:
        application.pause = PauseControl(now=clock, check_ms=20)

    ends = f"{clock.now + timedelta(minutes=15):%H:%M}"
    run_application(qapp, tmp_path, scenario, prepare=fast_clock)
    assert seen["paused_text"].startswith(f"Notifications paused until {ends} · Connected to ")
    assert seen["shown_while_paused"] == 0
    assert seen["paused_after_14_min"] is True
    assert seen["resumed_text"].startswith("Connected to ")
    assert seen["checked_after"] is False and seen["dispatcher_paused_after"] is False


def test_send_test_message_reaches_telegram(
    qapp: QApplication, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Settings → Telegram → Send test message posts to the Bot API's sendMessage and says it was sent."""
    telegram = FakeService()
    monkeypatch.setenv(TELEGRAM_API_ENV, telegram.url)

    async def scenario(application: Application, engine: SimulatedEngine) -> None:
        application.open_settings()
        dialog = application.windows.settings_dialog()
        await wait_until_async(dialog.isVisible, what="the Settings window")
        box = dialog.bridges.boxes["telegram"]
        box.setChecked(True)  # its fields and button are enabled with it
        box.edits["telegram_token"].setText("123:SECRET")
        box.edits["telegram_chat_id"].setText("42")
        box.test_button.click()
        await wait_until_async(lambda: box.status_label.text() == "Test message sent.", what="the test's outcome")

    try:
        run_application(qapp, tmp_path, scenario)
    finally:
        telegram.close()
    (seen,) = telegram.seen
    assert seen.path == "/bot123:SECRET/sendMessage"
    assert seen.payload["chat_id"] == "42" and "AlgoMesh Tray test message" in seen.payload["text"]


def test_the_status_bar_counts_agree_as_each_signal_goes_in(qapp: QApplication, tmp_path: Path) -> None:
    """Every trade here arrived this session, a signal every 1.25 s (each goes in at once, not
    paced with others): as its row goes in, the status bar's trades and the session's signals
    are the same count (one or the other lagged by a signal for half a second)."""
    seen: list[tuple[int, int]] = []

    def counts(window: Any) -> tuple[int, int]:
        """(signals this session, trades in the table) as the status bar reads; 0 for a text not set yet."""
        first = [re.match(r"(?:This session: )?([\d,]+)", label.text()) for label in (window.feed_label,
                                                                                    window.shown_label)]  # fmt: skip
        signals, trades = (int(found.group(1).replace(",", "")) if found else 0 for found in first)
        return signals, trades

    async def scenario(application: Application, engine: SimulatedEngine) -> None:
        window = application.windows.trades_window()
        window.proxy.rowsInserted.connect(lambda *_: seen.append(counts(window)))  # after the window's own
        await wait_until_async(lambda: len(seen) >= 4, 15, what="4 insertions into the table (at most 1 a second)")

    run_application(qapp, tmp_path, scenario, rate=0.8)
    assert all(signals == trades for signals, trades in seen), seen


def test_export_csv_writes_what_the_filter_matches(qapp: QApplication, tmp_path: Path) -> None:
    """Filter the trades window, Export CSV…, pick a file: the file holds the log's matching trades."""
    target = tmp_path / "export.csv"
    shown: list[str] = []
    chosen: list[str] = []

    async def scenario(application: Application, engine: SimulatedEngine) -> None:
        await wait_until_async(lambda: application.model.rowCount() >= 20, what="20 signals in the table")
        window = application.windows.trades_window()
        symbol = application.model.record_at(0).signal.symbol
        chosen.append(symbol)
        window.filter_edit.setText(symbol)
        window.apply_query()  # as when the type-ahead pause ends
        await wait_until_async(lambda: not application.model.fetching and window.shown_records(), what="filtered")
        shown.extend(str(record.id) for record in window.shown_records())
        window.export_action.trigger()
        dialog = window.findChild(QFileDialog)
        assert dialog is not None
        dialog.selectFile(str(target))
        dialog.accept()
        await wait_until_async(lambda: "Exported" in window.statusBar().currentMessage(), what="the export")

    run_application(qapp, tmp_path, scenario)
    with target.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert {row["symbol"] for row in rows} == set(chosen)
    assert set(shown) <= {row["id"] for row in rows}  # signals logged since match too


def test_quit_lets_a_pending_settings_save_finish(qapp: QApplication, tmp_path: Path) -> None:
    """Save and quit at once: the background save still lands in the settings file."""

    async def scenario(application: Application, engine: SimulatedEngine) -> None:
        application.windows.settings_accepted.emit(replace(application.settings.saved, quiet_hours="22:00-07:00"))
        assert len(application.tasks) >= 1  # quit follows at once, with the save still running

    application = run_application(qapp, tmp_path, scenario)
    assert len(application.tasks) == 0
    saved, problem = load_settings(tmp_path / "data" / "settings.json")
    assert problem is None and saved.quiet_hours == "22:00-07:00"


def test_about_says_where_the_files_and_the_licences_are(qapp: QApplication, tmp_path: Path) -> None:
    """About names the engine, the app's files and where the licence texts of what it includes are."""
    texts: list[str] = []

    async def scenario(application: Application, engine: SimulatedEngine) -> None:
        application.actions.about.trigger()
        box = application.windows.about_box
        assert box is not None and box.isVisible()
        texts.append(box.text())

    run_application(qapp, tmp_path, scenario)
    (text,) = texts
    assert f"Trade log: {tmp_path / 'data' / 'trades.sqlite3'}" in text
    assert "ws://127.0.0.1:" in text and "MIT-licensed" in text and "LICENSE" in text


def test_a_popups_pause_button_pauses_for_an_hour(qapp: QApplication, tmp_path: Path) -> None:
    """The popup's "Pause 1 hour" does what the tray's Pause for → 1 hour does."""
    clock = Clock()
    seen: list[str] = []

    async def scenario(application: Application, engine: SimulatedEngine) -> None:
        application.notifications.pause_requested.emit()
        assert application.pause.paused and application.notifications.dispatcher.paused
        assert application.pause.until == clock.now + timedelta(hours=1)
        seen.append(application.tray.text)

    def fixed_clock(application: Application) -> None:
        application.pause = PauseControl(now=clock)

    run_application(qapp, tmp_path, scenario, prepare=fixed_clock)
    assert seen[0].startswith(f"Notifications paused until {clock.now + timedelta(hours=1):%H:%M} · ")


def test_an_unanswered_outage_is_offered_in_the_tray_menu_until_answered(qapp: QApplication, tmp_path: Path) -> None:
    """The engine alert waits for an answer: the tray menu says since when and answers it, once."""
    from algomesh_tray.feed.outage import EngineAlert
    from algomesh_tray.util.formatting import format_time

    async def scenario(application: Application, engine: SimulatedEngine) -> None:
        action = application.actions.acknowledge_outage
        assert not action.isVisible()
        since = time.time() - 60
        application._on_engine_alert(EngineAlert("down", "AlgoMesh engine disconnected", "Refused.", since))
        assert action.isVisible() and action.text() == f"Engine down since {format_time(since)}: I'm on it"
        assert action in application.tray._menu.actions()
        action.trigger()
        assert not action.isVisible() and application.escalation.unanswered == []
        assert not application.escalation.escalated("AlgoMesh")

    run_application(qapp, tmp_path, scenario)


class RecordingNotifier:
    """A backend that keeps what it is asked to show."""

    def __init__(self) -> None:
        self.shown: list[Notification] = []

    def show(self, notification: Notification) -> None:
        self.shown.append(notification)

    def close(self) -> None:
        """Nothing to release."""


def test_the_apps_own_messages_go_through_the_popup_backend(qapp: QApplication, tmp_path: Path) -> None:
    """tell_user hands its message to the backend that shows signals (not to Qt's tray message),
    without a Pause button, and the status bar says it too."""
    recorder = RecordingNotifier()
    seen: list[str] = []

    async def scenario(application: Application, engine: SimulatedEngine) -> None:
        application.notifications.dispatcher.set_notifier(recorder)
        application.tray.show_message = lambda notification: seen.append(notification.title)  # type: ignore[method-assign]
        application.tell_user("The folder can be read by other accounts.")

    run_application(qapp, tmp_path, scenario, rate=0.5)
    told = [n for n in recorder.shown if n.record is None]
    assert told == [Notification("AlgoMesh Tray", "The folder can be read by other accounts.", offer_pause=False)]
    assert seen == []


def test_settings_test_sound_plays_the_apps_sound_where_no_service_plays_it(
    qapp: QApplication, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No notification service (no session bus): Settings' "Test sound" starts the player found on
    the PATH (a script recording its arguments) on the shipped sound."""
    folder, heard = tmp_path / "bin", tmp_path / "heard"
    folder.mkdir()
    (folder / "pw-play").write_text(f'#!/bin/sh\necho "$@" >> "{heard}"\n')
    (folder / "pw-play").chmod(0o755)
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    monkeypatch.setenv("PATH", f"{folder}:/usr/bin:/bin")

    async def scenario(application: Application, engine: SimulatedEngine) -> None:
        dialog = application.windows.settings_dialog()
        dialog.rules.test_sound_button.click()
        await wait_until_async(lambda: heard.exists() and heard.read_text().strip(), 10, what="the player")

    run_application(qapp, tmp_path, scenario, rate=0.5)
    assert heard.read_text().splitlines() == [str(resource_path(SOUND_FILE))]


def test_a_bridge_in_trouble_is_named_in_the_tooltip_and_the_status_bar(qapp: QApplication, tmp_path: Path) -> None:
    """A bridge with messages waiting and a failing last try: its line joins the tray's status text,
    which the tooltip and the trades window's status bar show; once it delivers, the line goes."""
    from algomesh_tray.bridges.delivery import BridgeStatus

    seen: list[str] = []

    async def scenario(application: Application, engine: SimulatedEngine) -> None:
        troubled = BridgeStatus(sent=3, waiting=37, last_try_at=time.time(), last_error="telegram answered HTTP 503")
        application.bridges._on_hub_status("telegram", troubled)
        seen.append(application.tray.text)
        seen.append(application.tray._icon.toolTip())
        application.bridges._on_hub_status("telegram", BridgeStatus(sent=40))
        seen.append(application.tray.text)

    run_application(qapp, tmp_path, scenario)
    troubled_text, tooltip, healthy_text = seen
    line = "Telegram: 3 sent, 37 waiting, last try "
    assert line in troubled_text and troubled_text.endswith(": telegram answered HTTP 503")
    assert line in tooltip
    assert "Telegram" not in healthy_text


def test_two_engines_each_signal_logged_with_its_engine_and_one_outage_named(
    qapp: QApplication, tmp_path: Path
) -> None:
    """Desk and VPS: the table's records carry their engine, popups name it; VPS stops: one outage
    popup names VPS, the tray shows it down, and Desk's signals keep popping up."""
    recorder = RecordingNotifier()
    seen: dict[str, object] = {}

    async def main() -> None:
        desk, vps = SimulatedEngine(port=0, rate=5, seed=1), SimulatedEngine(port=0, rate=5, seed=2)
        await desk.start()
        await vps.start()
        saved = replace(Settings(engine_alert_seconds=1), engines=(
            engine_from_url("Desk", desk.url), engine_from_url("VPS", vps.url))).validated()  # fmt: skip
        instance = SingleInstance(tmp_path / "data")
        assert instance.claim()
        keyring = PlaintextKeyring()
        keyring.file_path = str(tmp_path / "keyring.cfg")  # type: ignore[misc]
        application = Application(paths=AppPaths.resolve(tmp_path / "data"), saved=saved, effective=saved,
                                  instance=instance, credentials=Credentials(backend=keyring))  # fmt: skip
        running = asyncio.get_running_loop().create_task(application.run())
        try:
            await wait_until_async(lambda: _connected(application) and len(application.engines) == 2, 10, what="both")
            application.notifications.dispatcher.set_notifier(recorder)
            await wait_until_async(
                lambda: {n.record.engine for n in recorder.shown if n.record} == {"Desk", "VPS"}, 10, what="popups"
            )
            seen["titles"] = [n.title for n in recorder.shown if n.record]
            await vps.close()
            await wait_until_async(lambda: any(n.record is None for n in recorder.shown), 10, what="the outage")
            seen["tray"] = application.tray._icon.toolTip()
            seen["status"] = application.tray.text
            desk_popups = sum(1 for n in recorder.shown if n.record and n.record.engine == "Desk")
            await wait_until_async(
                lambda: sum(1 for n in recorder.shown if n.record and n.record.engine == "Desk") > desk_popups + 2,
                10,
                what="Desk still popping up",
            )
        finally:
            application.quit()
            await asyncio.wait_for(running, 15)
            await desk.close()

    on_the_apps_loop(qapp, main())
    titles = seen["titles"]
    assert isinstance(titles, list) and all(re.match(r"(Desk|VPS): (BUY|SELL) ", title) for title in titles)
    outages = [n for n in recorder.shown if n.record is None]
    assert len(outages) == 1 and outages[0].title.startswith("VPS is down since ")
    assert outages[0].replaces == "engine-status VPS"
    assert "\nDesk: Connected to " in str(seen["tray"]) and "\nVPS: Disconnected from " in str(seen["tray"])
    assert str(seen["status"]).startswith("Connected: Desk · VPS: Disconnected from ")
    stored = AppPaths.resolve(tmp_path / "data").trade_log
    from algomesh_tray.log.read_only import read_recent

    assert {record.engine for record in read_recent(stored, -1)} == {"Desk", "VPS"}


# The offscreen platform has no tray window and cannot raise: it says so when the tray is shown.
@pytest.mark.qt_log_ignore("This plugin does not support raise", "systemTrayWindowChanged")
def test_the_first_run_says_once_where_the_icon_lives_and_what_comes_next(qapp: QApplication, tmp_path: Path) -> None:
    """Nothing else is visible at a first launch (Windows' overflow, a Mac app without a Dock icon):
    a window says where the icon is and what happens next; later runs say nothing."""
    seen: dict[bool, tuple[bool, str]] = {}

    for first_run in (True, False):

        async def scenario(application: Application, engine: SimulatedEngine, first_run: bool = first_run) -> None:
            box = application.windows.welcome_box
            seen[first_run] = (box is not None and box.isVisible(), box.text() if box is not None else "")

        run_application(qapp, tmp_path / str(first_run), scenario, prepare=_with_a_tray, first_run=first_run)
    shown, text = seen[True]
    assert shown and "system tray" in text and "ws://127.0.0.1:" in text and "shown once" in text
    assert seen[False] == (False, "")


def test_a_rule_saved_during_a_run_on_two_engines_keeps_popups_naming_them(qapp: QApplication, tmp_path: Path) -> None:
    """--engine Desk=… --engine VPS=… with one engine saved: saving a rule keeps both engines watched,
    and popups and bridge messages still name their engine."""
    seen: list[tuple[bool, int]] = []

    async def main() -> None:
        desk, vps = SimulatedEngine(port=0, rate=1, seed=1), SimulatedEngine(port=0, rate=1, seed=2)
        await desk.start()
        await vps.start()
        saved = Settings()
        this_run = saved.with_engines([engine_from_url("Desk", desk.url), engine_from_url("VPS", vps.url)])
        instance = SingleInstance(tmp_path / "data")
        assert instance.claim()
        application = Application(paths=AppPaths.resolve(tmp_path / "data"), saved=saved, effective=this_run,
                                  instance=instance)  # fmt: skip
        running = asyncio.get_running_loop().create_task(application.run())
        try:
            await wait_until_async(lambda: _connected(application) and len(application.engines) == 2, 10)
            seen.append((application.notifications.dispatcher.name_engines, len(application.engines)))
            application.settings.accept(replace(saved, rules="trade paper: silent"))
            await wait_until_async(lambda: application.notifications.dispatcher.rules != (), what="rules applied")
            seen.append((application.notifications.dispatcher.name_engines, len(application.engines)))
        finally:
            application.quit()
            await asyncio.wait_for(running, 15)
            await desk.close()
            await vps.close()

    on_the_apps_loop(qapp, main())
    assert seen == [(True, 2), (True, 2)]


@pytest.mark.qt_log_ignore("This plugin does not support", "systemTrayWindowChanged")
def test_the_trades_table_is_built_when_first_needed_and_a_clicked_trade_is_selected(
    qapp: QApplication, tmp_path: Path
) -> None:
    """The idle app logs each signal but builds no table (nor its reader thread); a click on a
    signal's message builds it, and the trade is selected once the log's newest rows are in."""
    selected: list[int | None] = []

    async def scenario(application: Application, engine: SimulatedEngine) -> None:
        log_file = application._paths.trade_log
        await wait_until_async(lambda: len(read_recent(log_file, 5)) == 5, what="5 signals logged")
        assert application._model is None
        assert not any(thread.name.startswith("trade-log-reader") for thread in threading.enumerate())
        newest = read_recent(log_file, 1)[0]
        application.windows.show_trade(newest)  # as a click on its tray message does
        window = application.windows.trades_window()
        await wait_until_async(lambda: window.selected_record() is not None, what="the trade selected")
        record = window.selected_record()
        selected.append(None if record is None else record.id)
        assert selected == [newest.id]

    run_application(qapp, tmp_path, scenario, prepare=_with_a_tray)


@pytest.mark.qt_log_ignore("This plugin does not support", "systemTrayWindowChanged")
def test_the_rules_preview_reads_the_logs_newest_trades_when_no_table_was_built(
    qapp: QApplication, tmp_path: Path
) -> None:
    """Settings opened first thing: the preview waits for the log's newest trades, not an empty table."""

    async def scenario(application: Application, engine: SimulatedEngine) -> None:
        await wait_until_async(lambda: len(read_recent(application._paths.trade_log, 5)) == 5, what="5 signals logged")
        assert application._model is None
        application.open_settings()
        dialog = application.windows.settings_dialog()
        await wait_until_async(dialog.isVisible, what="the Settings window")
        assert len(dialog.rules._recent) >= 5

    run_application(qapp, tmp_path, scenario, prepare=_with_a_tray)
