"""Start-up, in a fixed order: arguments -> folders -> logging -> QApplication -> single instance ->
tray -> settings -> the Application (qt/application.py) on the qasync loop until Quit. Arguments
that cannot work are refused before anything shows; the settings file is read once the tray is
on screen (its modules take 9 ms of a 190 ms launch)."""

from __future__ import annotations

import argparse
import logging
import socket
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from . import __version__
from .feed.engines import Engine, EngineError, check_engines, engine_from_argument
from .platform.paths import AppPaths, PrivateRotatingFileHandler, make_private_folder
from .util.openssl import import_asyncio_without_ssl, import_hashlib_without_openssl

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

    from .qt.actions import AppActions
    from .qt.tray import TrayIcon
    from .settings import Settings

__all__ = ["run_app"]

log = logging.getLogger("algomesh_tray")

#: Beside the settings: the first run's welcome was shown (platform/first_run.py).
WELCOME_MARKER = "welcome-shown"
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
        make_private_folder(log_file.parent)
        handler = PrivateRotatingFileHandler(log_file, maxBytes=2_000_000, backupCount=3, encoding="utf-8")
    except OSError as error:
        return f"The log file {log_file} cannot be written ({error.strerror}); logging to the console only."
    handler.setFormatter(formatter)
    root.addHandler(handler)
    return None


def _quiet_libraries() -> None:
    """httpx logs every request URL at INFO, and bridge URLs hold secrets (bot token, webhook)."""
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)


def _engines_for_this_run(first: Engine, arguments: argparse.Namespace) -> list[Engine] | None:
    """--engine's engines, or ``first`` (the saved first engine) moved by --host/--port/--path and
    watched alone; None if neither is given. EngineError says why they cannot be used, as the
    Settings window would."""
    changes = {name: value for name in ("host", "port", "path") if (value := getattr(arguments, name)) is not None}
    if arguments.demo and (arguments.engines or changes):
        raise EngineError("--demo watches its own two engines: leave out --engine, --host, --port and --path.")
    if arguments.engines:
        if changes:
            raise EngineError("Use --engine or --host/--port/--path, not both.")
        engines = [engine_from_argument(text) for text in arguments.engines]
    elif changes:
        engines = [replace(first, enabled=True, **changes)]
    else:
        return None
    check_engines(engines)
    return engines


def _apply_overrides(settings: Settings, arguments: argparse.Namespace) -> Settings:
    """The settings in effect for this run: the saved ones, watching the engines the command line gives."""
    engines = _engines_for_this_run(settings.engines[0], arguments)
    return settings if engines is None else settings.with_engines(engines)


def _refused(error: Exception) -> int:
    """Arguments that cannot work: the reason, and exit code 2 (as argparse's own refusals)."""
    print(f"algomesh-tray: {error}", file=sys.stderr)
    return 2


def run_app(arguments: argparse.Namespace) -> int:
    """Run the tray app until Quit; returns the exit code."""
    started = time.monotonic()
    import_hashlib_without_openssl()  # OpenSSL (4.4 MB) only once a connection is encrypted
    paths = AppPaths.resolve(arguments.data_dir)
    problems = paths.make_private()  # a year of someone's trading is theirs alone: 0700 folders, 0600 files
    problems += [p for p in [_setup_logging(paths.log_file, verbose=arguments.verbose)] if p]
    _quiet_libraries()
    try:  # before anything shows: the settings' first engine is not read yet, the values are checked alone
        _engines_for_this_run(Engine(name="--host/--port/--path"), arguments)
    except EngineError as error:
        return _refused(error)
    log.info("AlgoMesh Tray %s starting; data: %s", __version__, paths.trade_log.parent)

    if sys.platform == "win32":
        # Notifications and the taskbar show the app's name (not "Python") with this ID,
        # the same one the installer gives the Start-menu shortcut.
        import ctypes

        ctypes.windll.shell32.SetCurrentProcessExplicitAppUserModelID(APP_USER_MODEL_ID)

    app = _qt_application()
    from .qt.single_instance import SingleInstance

    instance = SingleInstance(paths.trade_log.parent)
    if instance.hand_over() or not instance.claim():
        log.info("AlgoMesh Tray is already running for %s: asked it to show its window", paths.trade_log.parent)
        return 0

    first_run = _claim_first_run(paths)
    actions, tray = _show_tray(app)
    from .settings import SettingsError, load_settings

    saved, settings_problem = load_settings(paths.settings_file)
    if settings_problem:
        problems.append(settings_problem)
    try:
        effective = _apply_overrides(saved, arguments)  # checked above: the same values, on the saved engine
    except (EngineError, SettingsError) as error:
        return _refused(error)

    async def main() -> int:
        from .qt.application import Application

        application = Application(paths=paths, saved=saved, effective=effective, instance=instance,
                                  problems=problems, demo=arguments.demo, started=started,
                                  first_run=first_run, actions=actions, tray=tray)  # fmt: skip
        _route_signals_to(application.quit)
        return await application.run()

    import_asyncio_without_ssl()
    import asyncio

    from .qt.event_loop import BatchingEventLoop

    try:
        with asyncio.Runner(loop_factory=lambda: BatchingEventLoop(app)) as runner:
            return int(runner.run(main()))
    except KeyboardInterrupt:
        return 130


def _qt_application() -> QApplication:
    """The QApplication, named for the desktop. Qt is imported only now: `history` and `--help`
    stay fast and need no display."""
    from PySide6.QtWidgets import QApplication

    from .qt.pyside_sources import stop_pyside_caching_sources

    stop_pyside_caching_sources()  # before the app's own modules: 6 MB of their sources otherwise kept

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("AlgoMesh Tray")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("algomesh-tray")
    app.setQuitOnLastWindowClosed(False)
    return app


def _claim_first_run(paths: AppPaths) -> bool:
    """Asked before the trade log is opened (which creates it): an install that has one, or
    settings, is an upgrade, not a first run."""
    from .platform.first_run import claim_first_run

    return claim_first_run(paths.settings_file.with_name(WELCOME_MARKER), [paths.settings_file, paths.trade_log])


def _show_tray(app: QApplication) -> tuple[AppActions, TrayIcon]:
    """The tray on screen before asyncio, qasync and the rest of the app are imported (40 ms of a
    250 ms launch); the Application takes it over."""
    from .qt.actions import AppActions
    from .qt.tray import TrayIcon

    actions = AppActions()
    tray = TrayIcon(actions)
    tray.show()
    app.processEvents()  # sends the dock request: the tray maps the icon while the rest is imported
    return actions, tray


def _route_signals_to(quit_app: Callable[[], None]) -> None:
    """Quit cleanly on SIGINT/SIGTERM although Qt's loop, not Python's, is waiting.

    A wakeup socket lets Qt notice the signal; Python then runs the handler.
    """
    import asyncio
    import signal

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
        signal.signal(number, lambda *_: loop.call_soon_threadsafe(quit_app))
