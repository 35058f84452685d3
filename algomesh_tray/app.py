"""Start-up and wiring: the one place that knows every part and connects them, in a fixed order.

arguments -> folders -> logging -> settings -> QApplication -> tray -> qasync loop ->
trade log, notifier, listener (and the demo engine) -> history into the table.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import logging.handlers
import os
import signal
import socket
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from . import __version__
from .paths import AppPaths
from .settings import (
    Settings,
    SettingsError,
    address_after_save,
    load_settings,
    save_settings,
    unencrypted_warning,
)

if TYPE_CHECKING:  # Qt is imported only once the GUI starts
    from PySide6.QtWidgets import QMessageBox

    from .listener import EngineListener
    from .protocol import RejectedSignal
    from .qt.settings_dialog import SettingsDialog
    from .qt.single_instance import SingleInstance
    from .qt.trade_model import TradeTableModel
    from .qt.trades_window import TradesWindow
    from .qt.tray import AppActions
    from .records import RejectedRecord, TradeRecord

__all__ = ["run_app"]

log = logging.getLogger("algomesh_tray")

DEMO_RATE = 0.5  # signals per second from the built-in demo engine
TELEGRAM_API_ENV = "ALGOMESH_TRAY_TELEGRAM_API"
APP_USER_MODEL_ID = "AlgoMesh.Tray"  # packaging/metadata.py gives the installer's shortcut the same


def _setup_logging(log_file: Path, *, verbose: bool) -> str | None:
    """Log to stderr and to a rotating file; returns a message if the file cannot be used."""
    root = logging.getLogger()
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    formatter = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    console = logging.StreamHandler()
    console.setFormatter(formatter)
    root.addHandler(console)
    try:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(log_file, maxBytes=2_000_000, backupCount=3, encoding="utf-8")
    except OSError as error:
        return f"The log file {log_file} cannot be written ({error.strerror}); logging to the console only."
    handler.setFormatter(formatter)
    root.addHandler(handler)
    return None


def _quiet_libraries() -> None:
    """httpx logs every request URL at INFO, and bridge URLs hold secrets (bot token, webhook)."""
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)


def _apply_overrides(settings: Settings, arguments: argparse.Namespace) -> Settings:
    """--host/--port/--path change this run only; they are validated like the dialog's."""
    changes = {name: value for name in ("host", "port", "path") if (value := getattr(arguments, name)) is not None}
    return replace(settings, **changes).validated() if changes else settings


def run_app(arguments: argparse.Namespace) -> int:
    """Run the tray app until Quit; returns the exit code."""
    started = time.monotonic()
    paths = AppPaths.resolve(arguments.data_dir)
    problems = [p for p in [_setup_logging(paths.log_file, verbose=arguments.verbose)] if p]
    _quiet_libraries()
    settings, settings_problem = load_settings(paths.settings_file)
    if settings_problem:
        problems.append(settings_problem)
    try:
        run_settings = _apply_overrides(settings, arguments)
    except SettingsError as error:
        print(f"algomesh-tray: {error}", file=sys.stderr)
        return 2
    log.info("AlgoMesh Tray %s starting; data: %s", __version__, paths.trade_log.parent)

    if sys.platform == "win32":
        # Notifications and the taskbar show the app's name (not "Python") with this ID,
        # the same one the installer gives the Start-menu shortcut.
        import ctypes

        ctypes.windll.shell32.SetCurrentProcessExplicitAppUserModelID(APP_USER_MODEL_ID)

    # Qt is imported only now: `history` and `--help` stay fast and need no display.
    import qasync
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("AlgoMesh Tray")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("algomesh-tray")
    app.setQuitOnLastWindowClosed(False)
    from .qt.single_instance import SingleInstance

    instance = SingleInstance(paths.trade_log.parent)
    if instance.hand_over() or not instance.claim():
        log.info("AlgoMesh Tray is already running for %s: asked it to show its window", paths.trade_log.parent)
        return 0
    try:
        return int(qasync.run(_main(arguments, paths, settings, run_settings, problems, started, instance)))
    except KeyboardInterrupt:
        return 130


async def _main(
    arguments: argparse.Namespace,
    paths: AppPaths,
    settings: Settings,
    run_settings: Settings,
    problems: list[str],
    started: float,
    instance: SingleInstance,
) -> int:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    from .autostart import Autostart
    from .bridges import BRIDGE_KINDS, TELEGRAM_API, Bridge, BridgeHub, BridgeStatus
    from .credentials import Credentials
    from .days import start_of_today
    from .export import write_csv
    from .listener import EngineListener, ListenerStatus
    from .notifiers import Notification, NotificationDispatcher, Notifier, PlyerNotifier, pause_ends
    from .pipeline import SignalPipeline
    from .qt.trade_model import TradeTableModel
    from .qt.tray import AppActions, TrayIcon, TrayMessageNotifier
    from .resources import icon_path
    from .rules import parse_quiet_hours, parse_rules, quiet_hours_end
    from .tradelog import open_trade_log

    loop = asyncio.get_running_loop()
    loop.set_exception_handler(_log_loop_exception)
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    quit_requested = asyncio.Event()
    app.aboutToQuit.connect(quit_requested.set)
    _route_signals_to(quit_requested)
    background: set[asyncio.Task[None]] = set()

    actions = AppActions()
    tray = TrayIcon(actions)
    model = TradeTableModel()
    windows = _LazyWindows(model, actions, hide_on_close=tray.available)

    def tell_user(message: str) -> None:
        """Say what happened: a tray warning (or the window, without a tray) and the status bar."""
        log.warning("%s", message)
        windows.show_status_message(message)
        if tray.available:
            tray.show_message(Notification("AlgoMesh Tray", message))
        else:
            windows.trades_window().show()

    # A trade log that cannot be opened must not stop notifications.
    trade_log, trade_log_problem = await asyncio.to_thread(open_trade_log, paths.trade_log)
    if trade_log_problem:
        problems.append(trade_log_problem)

    def make_notifier(style: str) -> Notifier:
        if style == "tray" and tray.available:
            return TrayMessageNotifier(tray)
        return PlyerNotifier(app_name="AlgoMesh Tray", app_icon=str(icon_path("algomesh-tray")),
                             on_failed=on_native_failed)  # fmt: skip

    native_trouble_told = False

    def on_native_failed(reason: str, notification: Notification) -> None:
        """Desktop notifications do not work here (no daemon, a backend plyer lacks): use the tray's."""
        nonlocal native_trouble_told
        if tray.available:
            if isinstance(dispatcher.notifier, PlyerNotifier):
                dispatcher.set_notifier(TrayMessageNotifier(tray))
            if not native_trouble_told:
                tell_user(f"Desktop notifications are not working ({reason}). AlgoMesh Tray shows its own instead.")
            tray.show_message(notification)  # after the explanation: the signal is what must stay on screen
        elif not native_trouble_told:
            tell_user(f"Desktop notifications are not working ({reason}). Signals are still logged and listed.")
        native_trouble_told = True

    def on_shown(notification: Notification) -> None:
        if notification.sound:
            QApplication.beep()  # the "sound" rule: notifiers cannot all play one, the desktop bell can

    dispatcher = NotificationDispatcher(
        make_notifier(run_settings.notify_style), max_popups=run_settings.max_popups_per_second, on_shown=on_shown
    )

    def apply_rules(chosen: Settings) -> None:
        dispatcher.rules = parse_rules(chosen.rules)
        dispatcher.quiet_hours = parse_quiet_hours(chosen.quiet_hours)

    apply_rules(run_settings)
    ready = False

    def show_feed_counts() -> None:
        windows.set_feed_text(_feed_text(listener), listener.counters.last_rejection)

    def on_recorded(records: list[TradeRecord]) -> None:
        model.add_records(records)
        dispatcher.dispatch(records)
        hub.submit(records)
        show_feed_counts()

    def on_status(status: ListenerStatus) -> None:
        nonlocal ready
        tray.set_status(status)
        if status.state.value == "connected" and not ready:
            ready = True
            log.info("ready: tray shown and engine connected %.3f s after launch", time.monotonic() - started)
            # What start-up built (modules, Qt wrappers, settings) lives as long as the app: out of
            # the collector's sight, a full collection during a burst no longer walks all of it.
            gc.freeze()

    def on_rejected(reason: str, signal: RejectedSignal | None) -> None:
        show_feed_counts()
        windows.show_status_message(f"Rejected a frame from the engine: {reason[:120]}", only_if_open=True)
        if signal is not None:
            pipeline.submit(signal)  # kept against its market for the dashboard

    def on_rejected_recorded(records: list[RejectedRecord]) -> None:
        if windows.trades is not None:
            windows.trades.dashboard.model.add_records(records)

    pipeline = SignalPipeline(
        trade_log, on_recorded=on_recorded, on_log_error=tell_user, on_rejected_recorded=on_rejected_recorded
    )
    url = run_settings.url
    engine = None
    if arguments.demo:
        from .engine_sim import SimulatedEngine

        engine = SimulatedEngine(port=0, rate=DEMO_RATE, trade_type="paper")
        await engine.start()
        url = engine.url
        log.info("demo engine started on %s", url)
    listener = EngineListener(url, on_signal=pipeline.submit, on_status=on_status, on_rejected=on_rejected)

    def on_settings_accepted(new: Settings) -> None:
        nonlocal settings
        old, settings = settings, new
        keep(loop.create_task(_save(paths.settings_file, new, tell_user)))
        if (address := address_after_save(old, new, listener.url)) is not None:
            log.info("engine address changed: connecting to %s", address)
            listener.set_url(address)
            if warning := unencrypted_warning(new):
                tell_user(warning)
        if new.notify_style != old.notify_style:
            dispatcher.set_notifier(make_notifier(new.notify_style))
        dispatcher.max_popups = new.max_popups_per_second
        apply_rules(new)
        tray.refresh()
        keep(loop.create_task(configure_bridges()))

    autostart = Autostart()

    def on_start_at_login_changed(enabled: bool) -> None:
        async def apply() -> None:
            try:
                await asyncio.to_thread(autostart.set_enabled, enabled)
                log.info("start at login %s", "on" if enabled else "off")
            except OSError as error:
                tell_user(f"Start at login could not be changed ({error}).")

        keep(loop.create_task(apply()))

    def keep(task: asyncio.Task[None]) -> None:
        background.add(task)
        task.add_done_callback(background.discard)

    def connect_dialog(dialog: SettingsDialog) -> None:
        dialog.settings_accepted.connect(on_settings_accepted)
        dialog.start_at_login_changed.connect(on_start_at_login_changed)
        dialog.secrets_accepted.connect(on_secrets_accepted)
        dialog.bridge_test_requested.connect(on_bridge_test_requested)

    def open_settings() -> None:
        async def open_dialog() -> None:
            secrets = await load_secrets()
            start_at_login = await asyncio.to_thread(autostart.is_enabled)
            dialog = windows.settings_dialog(connect_dialog)
            recent = [model.record_at(row).signal for row in range(min(100, model.rowCount()))]
            dialog.load(settings, listener.url, start_at_login=start_at_login, secrets=secrets, recent=recent)
            for kind, text in bridge_texts.items():
                dialog.set_bridge_status(kind, text)
            dialog.show()
            dialog.raise_()
            dialog.activateWindow()

        keep(loop.create_task(open_dialog()))

    # Bridges: secrets come from the keyring (on a worker thread), once, then stay in memory.
    credentials = Credentials()
    secrets_cache: dict[str, str] | None = None
    bridge_texts: dict[str, str] = {}

    async def load_secrets() -> dict[str, str]:
        nonlocal secrets_cache
        if secrets_cache is None:
            secrets_cache = await asyncio.to_thread(credentials.get_all)
            if credentials.problem:
                tell_user(credentials.problem)
        return secrets_cache

    def on_bridge_status(kind: str, status: BridgeStatus) -> None:
        bridge_texts[kind] = status.describe()
        if windows.dialog is not None:
            windows.dialog.set_bridge_status(kind, bridge_texts[kind])

    # Tests (and people behind a Bot API proxy) point the Telegram bridge elsewhere.
    hub = BridgeHub(on_status=on_bridge_status, telegram_api=os.environ.get(TELEGRAM_API_ENV, TELEGRAM_API))

    async def configure_bridges() -> None:
        if any(getattr(settings, f"{kind}_enabled") for kind in BRIDGE_KINDS):
            await hub.configure(settings, await load_secrets())
        else:
            await hub.configure(settings, {})

    def on_secrets_accepted(secrets: dict[str, str]) -> None:
        nonlocal secrets_cache
        secrets_cache = dict(secrets)

        async def store() -> None:
            for name, value in secrets.items():
                await asyncio.to_thread(credentials.set, name, value)
            if credentials.problem:
                tell_user(credentials.problem)
            await configure_bridges()

        keep(loop.create_task(store()))

    def on_bridge_test_requested(kind: str, typed: Settings, secrets: dict[str, str]) -> None:
        async def send() -> None:
            enabled = replace(typed, **{f"{kind}_enabled": True})  # type: ignore[arg-type]
            build = hub.builders(enabled, secrets).get(kind)
            if build is None:
                outcome = "Fill in the fields above first."
            else:
                bridge = Bridge(kind, build, client=hub.client(), max_attempts=1)
                bridge.start()
                outcome = await bridge.send_test(_test_record())
                await bridge.close()
                outcome = "Test message sent." if outcome == "sent" else outcome
            if windows.dialog is not None:
                windows.dialog.set_bridge_status(kind, outcome)

        keep(loop.create_task(send()))

    def show_about() -> None:
        box = windows.about_box()
        box.setText(_about_text(listener.url, paths))
        box.show()
        box.raise_()

    pause_check = QTimer(interval=15_000)  # wall clock, so a pause ends right after a suspend too

    def on_pause_toggled(paused: bool) -> None:
        dispatcher.paused = paused
        if not paused:
            tray.paused_until = None
            pause_check.stop()
        log.info("notifications %s", "paused" if paused else "resumed")
        tray.refresh()

    def pause_for(choice: str) -> None:
        tray.paused_until = pause_ends(choice, datetime.now().astimezone())
        pause_check.start()
        actions.pause.setChecked(True)
        tray.refresh()

    def on_pause_check_timeout() -> None:
        if tray.paused_until is not None and datetime.now().astimezone() >= tray.paused_until:
            actions.pause.setChecked(False)

    pause_check.timeout.connect(on_pause_check_timeout)
    for choice, action in actions.pause_for.items():
        action.triggered.connect(lambda _=False, choice=choice: pause_for(choice))

    actions.open_trades.triggered.connect(lambda: windows.trades_window().show_record(None))
    actions.settings.triggered.connect(open_settings)
    actions.pause.toggled.connect(on_pause_toggled)
    actions.reconnect.triggered.connect(listener.reconnect_now)
    actions.quit.triggered.connect(quit_requested.set)
    actions.about.triggered.connect(show_about)
    tray.message_clicked.connect(lambda record: windows.trades_window().show_record(record))
    windows.close_requested = quit_requested.set

    def export_csv(path: str, records: list[TradeRecord]) -> None:
        async def write() -> None:
            def write_file() -> None:
                with open(path, "w", encoding="utf-8", newline="") as stream:
                    write_csv(records, stream)

            try:
                await asyncio.to_thread(write_file)
            except OSError as error:
                windows.show_status_message(f"Could not export to {path}: {error.strerror}", only_if_open=True)
                return
            windows.show_status_message(f"Exported {_plural(len(records), 'trade')} to {path}", only_if_open=True)

        keep(loop.create_task(write()))

    windows.export_requested = export_csv

    def load_dashboard(window: TradesWindow) -> None:
        async def load() -> None:
            today = start_of_today()
            totals = await pipeline.run_in_writer(lambda: pipeline.trade_log.market_totals(today))
            window.dashboard.model.load_totals(totals, today_starts=today)

        keep(loop.create_task(load()))

    windows.window_created = load_dashboard
    tray.status_text_changed.connect(windows.set_connection_text)
    tray.last_frame_at = lambda: listener.last_frame_at
    tray.quiet_until = lambda: quiet_hours_end(dispatcher.quiet_hours, datetime.now().astimezone())
    instance.show_requested.connect(lambda: windows.trades_window().show_record(None))

    tray.show()
    # The keyring may prompt to unlock: the feed starts meanwhile, the bridges get what came.
    hub.hold()
    keep(loop.create_task(configure_bridges()))
    pipeline.start()
    listener.start()
    no_tray_box: QMessageBox | None = None

    def on_tray_available() -> None:
        if no_tray_box is not None:
            no_tray_box.close()  # no longer true
        windows.set_hide_on_close(True)
        dispatcher.set_notifier(make_notifier(settings.notify_style))
        tell_user("A system tray is here now: AlgoMesh Tray lives in it, and closing the window keeps it running.")

    tray.became_available.connect(on_tray_available)
    if not tray.available:
        problems.append(
            "This desktop has no system tray, so AlgoMesh Tray keeps its window open. "
            "On GNOME, the AppIndicator extension adds a tray. Closing the window quits the app."
        )
        window = windows.trades_window()
        window.show()
        no_tray_box = QMessageBox(QMessageBox.Icon.Information, "AlgoMesh Tray", problems[-1], parent=window)
        no_tray_box.show()
    for problem in problems:
        tell_user(problem)
    if warning := unencrypted_warning(run_settings):
        tell_user(warning)

    history = await pipeline.run_in_writer(lambda: pipeline.trade_log.recent(model.max_rows))
    model.add_history(history)
    log.info("trades window loaded %d recent trades", len(history))

    await quit_requested.wait()
    log.info("quitting")
    tray.hide()
    windows.hide_all()
    await listener.stop()
    if background:  # a settings save, the login item, a keyring write: let them finish, briefly
        _done, unfinished = await asyncio.wait(set(background), timeout=5)
        for task in unfinished:
            task.cancel()
    await pipeline.close()
    await hub.close()
    dispatcher.notifier.close()
    if engine is not None:
        await engine.close()
    log.info("stopped cleanly")
    return 0


class _LazyWindows:
    """The trades window and the settings dialog, built on first use: most sessions never open
    them, and not building them keeps start-up fast and idle memory low."""

    def __init__(self, model: TradeTableModel, actions: AppActions, *, hide_on_close: bool) -> None:
        self._model = model
        self._actions = actions
        self._hide_on_close = hide_on_close
        self.trades: TradesWindow | None = None
        self._dialog: SettingsDialog | None = None
        self._about: QMessageBox | None = None
        self.close_requested: Callable[[], None] = lambda: None
        self.export_requested: Callable[[str, list[TradeRecord]], None] = lambda path, records: None
        self.window_created: Callable[[TradesWindow], None] = lambda window: None
        self._connection_text = ""
        self._feed_text = ""
        self._last_rejection = ""
        self._status_message = ""

    def set_hide_on_close(self, hide: bool) -> None:
        """Whether closing the trades window hides it (the tray keeps the app) or quits."""
        self._hide_on_close = hide
        if self.trades is not None:
            self.trades.hide_on_close = hide

    def trades_window(self) -> TradesWindow:
        if self.trades is None:
            from .qt.trades_window import TradesWindow
            from .qt.tray import app_icon

            actions = self._actions
            window = TradesWindow(self._model, [actions.settings, actions.pause, actions.reconnect], app_icon())
            window.hide_on_close = self._hide_on_close
            window.close_requested.connect(lambda: self.close_requested())
            window.export_requested.connect(lambda path, records: self.export_requested(path, records))
            self.window_created(window)
            window.set_connection_text(self._connection_text)
            window.set_feed_text(self._feed_text, self._last_rejection)
            if self._status_message:
                window.statusBar().showMessage(self._status_message, 60_000)
            self.trades = window
        return self.trades

    @property
    def dialog(self) -> SettingsDialog | None:
        return self._dialog

    def settings_dialog(self, connect: Callable[[SettingsDialog], None]) -> SettingsDialog:
        """The dialog, built and ``connect``-ed to the app on first use; the caller loads it."""
        if self._dialog is None:
            from .qt.settings_dialog import SettingsDialog
            from .qt.tray import app_icon

            self._dialog = SettingsDialog(Settings(), app_icon())
            connect(self._dialog)
        return self._dialog

    def about_box(self) -> QMessageBox:
        """Kept, not rebuilt: a parentless box with no Python reference would vanish at once."""
        if self._about is None:
            from PySide6.QtCore import Qt
            from PySide6.QtWidgets import QMessageBox

            from .qt.tray import app_icon

            self._about = QMessageBox(QMessageBox.Icon.NoIcon, "About AlgoMesh Tray", "")
            self._about.setTextFormat(Qt.TextFormat.PlainText)
            self._about.setIconPixmap(app_icon().pixmap(64, 64))
        return self._about

    def set_connection_text(self, text: str) -> None:
        self._connection_text = text
        if self.trades is not None:
            self.trades.set_connection_text(text)

    def set_feed_text(self, text: str, last_rejection: str = "") -> None:
        self._feed_text, self._last_rejection = text, last_rejection
        if self.trades is not None:
            self.trades.set_feed_text(text, last_rejection)

    def show_status_message(self, message: str, *, only_if_open: bool = False) -> None:
        """A message in the status bar; kept for the window's first opening unless ``only_if_open``."""
        if not only_if_open:
            self._status_message = message
        if self.trades is not None:
            self.trades.statusBar().showMessage(message, 60_000)

    def hide_all(self) -> None:
        for widget in (self.trades, self._dialog, self._about):
            if widget is not None:
                widget.hide()


def _test_record() -> TradeRecord:
    """What "Send test message" sends: clearly a test, shaped like a real signal."""
    from .protocol import StrategySignal
    from .records import TradeRecord

    signal = StrategySignal(action="BUY", symbol="BTCUSDT", price=64320.5, amount=0.05, size_type="percent",
                            order_type="Market", strategy_name="AlgoMesh Tray test message", trade_type="test",
                            status="TEST")  # fmt: skip
    return TradeRecord(None, time.time(), signal, "{}")


def _about_text(engine_url: str, paths: AppPaths) -> str:
    return (
        f"AlgoMesh Tray {__version__}\n"
        "Desktop notifications and a trade log for the AlgoMesh trading engine.\n\n"
        f"Engine: {engine_url}\n"
        f"Settings: {paths.settings_file}\n"
        f"Trade log: {paths.trade_log}\n"
        f"Log file: {paths.log_file}"
    )


def _feed_text(listener: EngineListener) -> str:
    counters = listener.counters
    return (
        f"This session: {_plural(counters.signals, 'signal')} · {_plural(counters.ignored, 'other message')}"
        f" · {counters.rejected:,} rejected"
    )


async def _save(path: Path, settings: Settings, tell_user: Callable[[str], None]) -> None:
    try:
        await asyncio.to_thread(save_settings, path, settings)
    except OSError as error:
        tell_user(f"Settings could not be saved to {path} ({error.strerror}); they apply until you quit.")


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def _log_loop_exception(loop: asyncio.AbstractEventLoop, context: dict[str, object]) -> None:
    """Exceptions in callbacks and tasks surface only here under qasync: log them, keep going."""
    error = context.get("exception")
    log.error(
        "unexpected error: %s", context.get("message"), exc_info=error if isinstance(error, BaseException) else None
    )


def _route_signals_to(quit_requested: asyncio.Event) -> None:
    """Quit cleanly on SIGINT/SIGTERM although Qt's loop, not Python's, is waiting.

    A wakeup socket lets Qt notice the signal; Python then runs the handler.
    """
    from PySide6.QtCore import QSocketNotifier

    reader, writer = socket.socketpair()
    reader.setblocking(False)
    writer.setblocking(False)
    signal.set_wakeup_fd(writer.fileno())
    notifier = QSocketNotifier(reader.fileno(), QSocketNotifier.Type.Read)
    notifier.activated.connect(lambda: reader.recv(64))
    # Keep them alive as long as the app runs.
    _route_signals_to.keep = (reader, writer, notifier)  # type: ignore[attr-defined]
    loop = asyncio.get_running_loop()
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, lambda *_: loop.call_soon_threadsafe(quit_requested.set))
