"""The running app: builds its parts in order, connects them in one place, runs until Quit.

Read ``_connect`` to see every flow in the app. Each part owns one job (the tray, the windows,
notifications, pause, settings, bridges, background jobs); this class only builds, connects and
stops them, and answers the few requests that need more than one part.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QApplication

from .. import __version__
from ..feed.status import ConnectionState, ListenerStatus, feed_text
from ..notify.rules import quiet_hours_end
from ..platform.autostart import Autostart
from ..platform.paths import AppPaths
from ..settings import Settings, unencrypted_warning
from ..util.tasks import BackgroundTasks
from ..util.workers import worker_pool
from .actions import AppActions
from .pause import PauseControl
from .settings.settings_store import SettingsStore
from .single_instance import SingleInstance
from .tray import APP_TITLE, TrayIcon

if TYPE_CHECKING:
    from pathlib import Path

    from PySide6.QtWidgets import QMessageBox

    from ..bridges.credentials import Credentials
    from ..bridges.escalation import Escalations
    from ..bridges.service import BridgeService
    from ..feed.engines import Engine
    from ..feed.fleet import EngineFleet
    from ..feed.outage import EngineAlert
    from ..feed.protocol import RejectedSignal, StrategySignal
    from ..feed.records import TradeRecord
    from ..feed.simulator import SimulatedEngine
    from ..log.pipeline import SignalPipeline
    from ..log.reader import TradeLogReader
    from .feed_signals import FeedSignals
    from .popups import Notifications
    from .trades.trade_model import TradeTableModel
    from .windows import Windows

__all__ = ["Application"]

log = logging.getLogger("algomesh_tray")

DEMO_RATE = 0.5  # signals per second from each built-in demo engine
#: The demo's two simulated engines: what a trader with an engine at the desk and one on a server sees.
DEMO_ENGINES = ("Desk", "VPS")
TELEGRAM_API_ENV = "ALGOMESH_TRAY_TELEGRAM_API"
PUSHOVER_API_ENV = "ALGOMESH_TRAY_PUSHOVER_API"
#: How long Quit waits for a settings save, a login item or a keyring write to finish.
DRAIN_SECONDS = 5.0
#: How long Settings waits for the trade log's newest trades (its rules' preview) before opening.
FIRST_PAGE_SECONDS = 5.0
NO_TRAY_MESSAGE = (
    "This desktop has no system tray, so AlgoMesh Tray keeps its window open. "
    "On GNOME, the AppIndicator extension adds a tray. Closing the window quits the app."
)


class Application(QObject):
    """Build with the start-up's results, then ``await run()``; ``quit()`` ends it cleanly."""

    # Built in start(), once the tray is on screen: importing them takes longer than the tray.
    windows: Windows
    notifications: Notifications
    feed: FeedSignals
    bridges: BridgeService
    # and these need the running loop and the trade log.
    pipeline: SignalPipeline
    engines: EngineFleet
    escalation: Escalations

    def __init__(
        self,
        *,
        paths: AppPaths,
        saved: Settings,
        effective: Settings,
        instance: SingleInstance,
        problems: Sequence[str] = (),
        demo: bool = False,
        started: float | None = None,
        credentials: Credentials | None = None,
        first_run: bool = False,
        actions: AppActions | None = None,
        tray: TrayIcon | None = None,
    ) -> None:
        """Builds what the tray needs; ``credentials``: where bridge secrets live (default: the system
        keyring); ``first_run``: say once where the icon lives and what happens next; ``actions`` and
        ``tray``: the tray start-up has already shown (built here if not given)."""
        super().__init__()
        self._first_run = first_run
        self._paths = paths
        self._instance = instance
        self._problems = list(problems)
        self._demo = demo
        self._started = time.monotonic() if started is None else started
        self._credentials = credentials
        self._ready = False
        self._history_loaded = False
        self._quit_requested = asyncio.Event()
        self._demo_engines: list[SimulatedEngine] = []
        self._reader: TradeLogReader | None = None
        self._trade_log_path: Path | None = None  # once start() has opened it
        self._model: TradeTableModel | None = None
        self._no_tray_box: QMessageBox | None = None
        self.tasks = BackgroundTasks()
        self.autostart = Autostart()
        self.settings = SettingsStore(paths.settings_file, saved, effective, self.tasks)
        self.actions = actions if actions is not None else AppActions()
        self.pause = PauseControl()
        self.tray = tray if tray is not None else TrayIcon(self.actions)

    def _build_parts(self) -> None:
        """The parts behind the tray: the trades table and windows, popups, the feed's seam, bridges."""
        from ..bridges.service import BridgeService
        from .feed_signals import FeedSignals
        from .popups import Notifications
        from .windows import Windows

        self.windows = Windows(lambda: self.model, self.actions, hide_on_close=self.tray.available)
        self.notifications = Notifications(self.tray, self.settings.effective)
        self.feed = FeedSignals()
        # Tests (and people behind a proxy) point the Telegram and Pushover bridges elsewhere.
        self.bridges = BridgeService(
            credentials=self._credentials,
            telegram_api=os.environ.get(TELEGRAM_API_ENV),
            pushover_api=os.environ.get(PUSHOVER_API_ENV),
            on_status=self._on_bridge_status,
            on_problem=self.tell_user,
        )

    async def run(self) -> int:
        """Start, wait for Quit (menu, SIGTERM, the last window without a tray), stop; the exit code."""
        await self.start()
        await self._quit_requested.wait()
        await self.shutdown()
        return 0

    def quit(self) -> None:
        self._quit_requested.set()

    async def start(self) -> None:
        """The tray first, then the rest (windows, trade log, pipeline, listener): what the user
        sees comes first. The tray is on screen before the rest is even imported.
        """
        loop = asyncio.get_running_loop()
        loop.set_exception_handler(_log_loop_exception)
        loop.set_default_executor(worker_pool())  # threads on demand, not qasync's ten at the first to_thread
        self.tray.show()
        await asyncio.sleep(0)  # one turn of Qt's loop puts it on screen
        self._build_parts()
        from ..log.recovery import open_trade_log

        # A trade log that cannot be opened must not stop notifications. Meanwhile the desktop is
        # asked what its notification service can do.
        (trade_log, trade_log_problem), _ = await asyncio.gather(
            asyncio.to_thread(open_trade_log, self._paths.trade_log), self.notifications.choose_backend()
        )
        if trade_log_problem:
            self._problems.append(trade_log_problem)
        self._trade_log_path = trade_log.path
        from ..bridges.escalation import Escalations
        from ..feed.fleet import EngineFleet
        from ..log.pipeline import SignalPipeline

        feed = self.feed
        self.pipeline = SignalPipeline(trade_log, on_recorded=feed.on_recorded, on_log_error=feed.on_log_error,
                                       on_rejected_recorded=feed.on_rejected_recorded)  # fmt: skip
        if self._demo:
            self.settings.effective = replace(self.settings.effective, engines=await self._start_demo_engines())
            self.notifications.apply(self.settings.effective)  # popups name the demo's engines
        effective = self.settings.effective
        self.engines = EngineFleet(on_signal=self.pipeline.submit, on_status=feed.on_status,
                                   on_rejected=feed.on_rejected, on_alert=self._on_engine_alert,
                                   alert_after=effective.engine_alert_seconds)  # fmt: skip
        self.escalation = Escalations(send=self._tell_bridges, after=effective.escalate_after_seconds)
        self.escalation.on_change = self._show_unanswered_outage
        self.tray.follow(last_frame_at=self.engines.last_frame_at, quiet_until=self._quiet_until,
                         down_since=self.engines.outage_since, bridge_troubles=self.bridges.troubles)  # fmt: skip
        self._connect()
        # The bridges' messages wait in the trade log's outbox, written with each signal; the keyring
        # may prompt to unlock: the feed starts meanwhile, and the bridges find what came.
        self.bridges.attach(self.pipeline.outbox, effective)
        self.pipeline.route = self.bridges.route
        self.pipeline.after_write = self.bridges.wake
        self.tasks.spawn(self.bridges.configure(effective), name="configuring bridges")
        self.pipeline.start()
        self._watch(effective)
        if self.autostart.platform == "darwin":  # a login agent for where the app was: follow it here
            self.tasks.spawn(self._follow_the_app(), name="updating start at login")
        self._tell_start_up_problems()

    def _connect(self) -> None:
        """Every flow in the app, in one place."""
        app = QApplication.instance()
        assert app is not None
        app.aboutToQuit.connect(self.quit)
        self._instance.show_requested.connect(self.open_trades)
        # The feed: status, then signals (already in the trade log) to the table, popups, bridges.
        self.feed.status_changed.connect(self._on_feed_status_changed)
        self.feed.trades_recorded.connect(self._show_feed_counts)  # first: the rows going in show the texts
        self.feed.trades_recorded.connect(self.notifications.dispatch)
        self.feed.trades_recorded.connect(self._note_last_signal)
        self.feed.frame_rejected.connect(self._on_feed_frame_rejected)
        self.feed.rejected_recorded.connect(self.windows.add_rejected)
        self.feed.log_failed.connect(self.tell_user)
        # The tray and its menu (the trades window's toolbar shares the actions).
        self.tray.status_text_changed.connect(self.windows.set_connection_text)
        self.tray.message_clicked.connect(self.windows.show_trade)
        self.tray.unidentified_message_clicked.connect(self.windows.show_recent_trades)
        self.tray.became_available.connect(self._on_tray_became_available)
        self.actions.open_trades.triggered.connect(self.open_trades)
        self.actions.settings.triggered.connect(self.open_settings)
        self.actions.reconnect.triggered.connect(lambda: self.engines.reconnect())
        self.tray.reconnect_requested.connect(self.engines.reconnect)
        self.actions.acknowledge_outage.triggered.connect(self.escalation.acknowledge)
        self.actions.about.triggered.connect(self.show_about)
        self.actions.quit.triggered.connect(self.quit)
        # Pause: the menu's check mark, "Pause for", and the timer that ends a timed pause.
        self.actions.pause.toggled.connect(self.pause.set_paused)
        for choice, action in self.actions.pause_for.items():
            action.triggered.connect(lambda _=False, choice=choice: self.pause.pause_for(choice))
        self.pause.changed.connect(self._on_pause_changed)
        # Windows: settings, the login item, bridges, closing without a tray.
        self.windows.settings_accepted.connect(self.settings.accept)
        self.windows.start_at_login_changed.connect(self._on_start_at_login_changed)
        self.windows.secrets_accepted.connect(self._on_secrets_accepted)
        self.windows.bridge_test_requested.connect(self._on_bridge_test_requested)
        self.windows.sound_test_requested.connect(self.notifications.test_sound)
        self.windows.close_requested.connect(self.quit)
        self.settings.changed.connect(self._on_settings_changed)
        self.settings.save_failed.connect(self.tell_user)
        # Popups: a click opens its trade; their "Pause 1 hour" button is the tray's.
        self.notifications.clicked.connect(self.windows.show_trade)
        self.notifications.pause_requested.connect(self._on_notifications_pause_requested)
        self.notifications.acknowledged.connect(self.escalation.acknowledge)
        self.notifications.problem.connect(self.tell_user)

    async def shutdown(self) -> None:
        """Stop in reverse order: nothing new comes in, running jobs finish briefly, queued signals are written."""
        log.info("quitting")
        self.tray.hide()
        self.windows.hide_all()
        await self.engines.stop()  # no alert, and no escalation, while the rest closes
        self.escalation.close()
        await self.tasks.drain(DRAIN_SECONDS)
        if self._reader is not None:  # before the writer: the last connection to close tidies the WAL away
            await asyncio.to_thread(self._reader.close)
        await self.bridges.close()  # what they had not delivered stays in the outbox, for the next run
        await self.pipeline.close()
        await self.notifications.close()
        for engine in self._demo_engines:
            await engine.close()
        self._instance.release()  # a launch from now on starts afresh instead of knocking
        log.info("stopped cleanly")

    # Requests from the user.

    def tell_user(self, message: str) -> None:
        """Say what happened: a popup shown the way signals' popups are (the window too, without a
        tray) and the status bar."""
        log.warning("%s", message)
        self.windows.show_status_message(message)
        if not self.tray.available:
            self.windows.trades_window().show()
        self.notifications.tell(message)

    def open_trades(self) -> None:
        self.windows.show_trade(None)

    def open_settings(self) -> None:
        self.tasks.spawn(self._open_settings(), name="opening settings")

    def show_about(self) -> None:
        from ..platform.licences import licence_notices

        paths = self._paths
        self.windows.show_about(
            f"AlgoMesh Tray {__version__}\n"
            "Desktop notifications and a trade log for the AlgoMesh trading engine.\n\n"
            f"{self._engines_watched()}\n"
            f"Settings: {paths.settings_file}\n"
            f"Trade log: {paths.trade_log}\n"
            f"Log file: {paths.log_file}\n\n"
            f"{licence_notices().text}"
        )

    # Slots.

    def _on_feed_status_changed(self, status: ListenerStatus) -> None:
        self.tray.set_status(status)
        if status.state is ConnectionState.CONNECTED and not self._ready:
            self._ready = True
            log.info("ready: tray shown and engine connected %.3f s after launch", time.monotonic() - self._started)
            # What start-up built (modules, Qt wrappers, settings) lives as long as the app: out of
            # the collector's sight, a full collection during a burst no longer walks all of it.
            gc.freeze()

    def _on_feed_frame_rejected(self, reason: str, rejected: RejectedSignal | None) -> None:
        self._show_feed_counts()
        self.windows.show_status_message(f"Rejected a frame from the engine: {reason[:120]}", only_if_open=True)
        if rejected is not None:
            self.pipeline.submit(rejected)  # kept against its market for the dashboard

    def _on_pause_changed(self, paused: bool, until: datetime | None) -> None:
        self.actions.pause.setChecked(paused)  # no echo: PauseControl ignores a state it already has
        self.notifications.set_paused(paused)
        self.tray.set_pause(paused, until)

    def _on_settings_changed(self, old: Settings, new: Settings) -> None:
        watched_before = {watched.engine for watched in self.engines}
        self._watch(self.settings.effective)  # only the engines that changed reconnect
        for engine in self.settings.effective.watched:
            if engine not in watched_before and (warning := unencrypted_warning(engine)):
                self.tell_user(warning)
        effective = self.settings.effective  # ``new`` with this run's engines: whether messages name them
        self.notifications.apply(effective)
        self.engines.set_alert_after(effective.engine_alert_seconds)
        self.escalation.set_after(effective.escalate_after_seconds)
        self.tray.refresh()  # quiet hours may have changed
        self.tasks.spawn(self.bridges.configure(effective), name="configuring bridges")

    def _on_start_at_login_changed(self, enabled: bool) -> None:
        self.tasks.spawn(self._set_start_at_login(enabled), name="changing start at login")

    def _on_secrets_accepted(self, secrets: dict[str, str]) -> None:
        self.tasks.spawn(self.bridges.store_secrets(secrets, self.settings.saved), name="storing bridge secrets")

    def _on_bridge_test_requested(self, kind: str, typed: Settings, secrets: dict[str, str]) -> None:
        self.tasks.spawn(self.bridges.send_test(kind, typed, secrets), name=f"testing the {kind} bridge")

    def _on_notifications_pause_requested(self) -> None:
        self.pause.pause_for("1h")

    def _on_engine_alert(self, alert: EngineAlert) -> None:
        """The engine has been gone a while, or is back: said once, whatever pause and quiet hours say."""
        from ..notify.notification import Notification

        waits = self.escalation.after > 0  # else the bridges get it at once: nothing to answer
        self.notifications.show_now(Notification.for_engine_alert(alert, acknowledge=waits))
        self.escalation.alert(alert)  # the phone, where a trader away from the desk sees it, if nobody answers
        self.tray.refresh()

    def _on_bridge_status(self, kind: str, text: str) -> None:
        """Settings shows every bridge's line; the tooltip and the status bar those in trouble."""
        self.windows.set_bridge_status(kind, text)
        self.tray.refresh()

    def _tell_bridges(self, alert: EngineAlert) -> None:
        self.bridges.announce(alert, self.settings.effective)

    def _watch(self, settings: Settings) -> None:
        """Listen to exactly the engines switched on in ``settings`` (only those that changed
        reconnect); the tray, the dashboard and the escalation follow, in the settings' order."""
        self.engines.watch(settings.watched, named=settings.several_engines)
        names = [engine.name for engine in settings.watched]
        self.escalation.keep_only(names)  # a removed engine's outage no longer waits to reach the phones
        self.tray.set_engines(names)
        self.windows.set_engines(names)

    def _engines_watched(self) -> str:
        """The About box's line: each engine watched and its address."""
        listed = [f"{w.engine.name} ({w.listener.url})" for w in self.engines]
        return f"Engines: {', '.join(listed)}" if listed else "No engine is switched on."

    def _show_unanswered_outage(self) -> None:
        """The tray menu's "I'm on it" while an outage waits for an answer."""
        from ..util.formatting import format_time

        waiting = self.escalation.unanswered
        action = self.actions.acknowledge_outage
        if len(waiting) == 1 and not self.settings.effective.several_engines:
            action.setText(f"Engine down since {format_time(waiting[0].since)}: I'm on it")
        elif len(waiting) == 1:
            action.setText(f"{waiting[0].engine} down since {format_time(waiting[0].since)}: I'm on it")
        elif waiting:
            action.setText(f"{', '.join(alert.engine for alert in waiting)} down: I'm on it")
        action.setVisible(bool(waiting))

    @property
    def model(self) -> TradeTableModel:
        """The trades table, built when first asked for (the window, the rules' preview), not at
        start: with its reader thread and connection, 1.2 MB that the idle app does without. The
        log keeps every trade meanwhile; the table reads its newest page as it is built."""
        if self._model is None:
            from .trades.trade_model import LIVE_ROWS_INTERVAL_MS, TradeTableModel

            model = TradeTableModel(live_interval_ms=LIVE_ROWS_INTERVAL_MS)
            model.page_loaded.connect(self._on_model_page_loaded)
            self.feed.trades_recorded.connect(model.add_records)
            if self._trade_log_path is not None:  # reads (window, dashboard, export) on their own connection
                from ..log.reader import TradeLogReader

                self._reader = TradeLogReader(self._trade_log_path)
                model.attach_reader(self._reader)
                model.fetchMore()  # the newest trades
            self._model = model
        return self._model

    async def _recent_signals(self, count: int) -> list[StrategySignal]:
        """The newest ``count`` trades' signals, for the rules' preview: the table's, once the page it
        is reading is in (a table just built reads the log's newest)."""
        model = self.model
        if model.fetching:
            answered: asyncio.Future[None] = asyncio.get_running_loop().create_future()

            def answer(*_: object) -> None:  # page_loaded(rows) or fetch_failed(text)
                if not answered.done():
                    answered.set_result(None)

            model.page_loaded.connect(answer)
            model.fetch_failed.connect(answer)  # the log could not be read: the trades of this session
            try:
                await asyncio.wait_for(answered, FIRST_PAGE_SECONDS)
            except TimeoutError:
                log.warning("the trade log did not answer within %s s: the preview shows this session's trades",
                            FIRST_PAGE_SECONDS)  # fmt: skip
            finally:
                model.page_loaded.disconnect(answer)
                model.fetch_failed.disconnect(answer)
        return [model.record_at(row).signal for row in range(min(count, model.rowCount()))]

    def _on_model_page_loaded(self, rows: int) -> None:
        if not self._history_loaded:  # the first page: what the window shows when it opens
            self._history_loaded = True
            log.info("trades window loaded %d recent trades", rows)

    def _note_last_signal(self, records: list[TradeRecord]) -> None:
        """Each engine's outage alert says when its last signal came."""
        last = {record.engine: record.received_at for record in records}
        for engine, received_at in last.items():
            self.engines.signal_received(engine, received_at)

    def _on_tray_became_available(self) -> None:
        if self._no_tray_box is not None:
            self._no_tray_box.close()  # no longer true
        self.windows.set_hide_on_close(True)
        self.notifications.on_tray_available()
        self.tell_user("A system tray is here now: AlgoMesh Tray lives in it, and closing the window keeps it running.")

    def _show_feed_counts(self) -> None:
        counters = self.engines.counters
        self.windows.set_feed_text(feed_text(counters), counters.last_rejection)

    def _quiet_until(self) -> datetime | None:
        return quiet_hours_end(self.notifications.dispatcher.quiet_hours, datetime.now().astimezone())

    # Jobs off the Qt thread.

    async def _start_demo_engines(self) -> tuple[Engine, ...]:
        from ..feed.engines import engine_from_url
        from ..feed.simulator import SimulatedEngine

        engines = []
        for name in DEMO_ENGINES:
            simulated = SimulatedEngine(port=0, rate=DEMO_RATE, trade_type="paper")
            await simulated.start()
            self._demo_engines.append(simulated)
            log.info("demo engine %s started on %s", name, simulated.url)
            engines.append(engine_from_url(name, simulated.url))
        return tuple(engines)

    def _tell_start_up_problems(self) -> None:
        if not self.tray.available:
            self._problems.append(NO_TRAY_MESSAGE)
            window = self.windows.trades_window()
            window.show()
            from PySide6.QtWidgets import QMessageBox

            self._no_tray_box = QMessageBox(QMessageBox.Icon.Information, APP_TITLE, NO_TRAY_MESSAGE, parent=window)
            self._no_tray_box.show()
        elif self._first_run:  # else the window and the box above say where the app is
            from ..platform.first_run import welcome_text

            effective = self.settings.effective
            log.info("first run: the welcome is shown")
            self.windows.show_welcome(
                welcome_text(
                    sys.platform,
                    engines=[(w.engine.name, w.listener.url) for w in self.engines],
                    alert_seconds=effective.engine_alert_seconds,
                )
            )
        for problem in self._problems:
            self.tell_user(problem)
        for engine in self.settings.effective.watched:
            if warning := unencrypted_warning(engine):
                self.tell_user(warning)

    async def _open_settings(self) -> None:
        secrets = await self.bridges.secrets()
        start_at_login = await asyncio.to_thread(self.autostart.is_enabled)
        dialog = self.windows.settings_dialog()
        recent = await self._recent_signals(100)
        running = tuple(watched.engine for watched in self.engines)
        dialog.load(self.settings.saved, running, start_at_login=start_at_login, secrets=secrets,
                    recent=recent)  # fmt: skip
        dialog.set_notification_support(self.notifications.support_text)
        for kind, text in self.bridges.texts.items():
            dialog.set_bridge_status(kind, text)
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()

    async def _follow_the_app(self) -> None:
        try:
            if await asyncio.to_thread(self.autostart.follow_the_app):
                log.info("start at login now opens the app where it is")
        except OSError as error:
            log.warning("start at login could not follow the app: %s", error)

    async def _set_start_at_login(self, enabled: bool) -> None:
        try:
            await asyncio.to_thread(self.autostart.set_enabled, enabled)
            log.info("start at login %s", "on" if enabled else "off")
        except OSError as error:
            self.tell_user(f"Start at login could not be changed ({error}).")


def _log_loop_exception(loop: asyncio.AbstractEventLoop, context: dict[str, object]) -> None:
    """Exceptions in callbacks and tasks surface only here under qasync: log them, keep going."""
    error = context.get("exception")
    log.error(
        "unexpected error: %s", context.get("message"), exc_info=error if isinstance(error, BaseException) else None
    )
