"""Popups through plyer: notify-send on Linux, a balloon on Windows, on worker threads. No Qt."""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import cast

from ..util.formatting import escape_markup
from .notification import Notification

__all__ = ["PlyerNotifier"]

log = logging.getLogger(__name__)


class PlyerNotifier:
    """The desktop's own notifications through plyer, called on a worker thread.

    plyer blocks (on Linux it may run ``notify-send``, 15-30 ms a call), so calls queue on one
    thread, in order. plyer cannot report clicks; the tray style can. A popup plyer could not show
    goes to ``on_failed`` with the reason, on the event loop, so the app can show it another way.

    Windows: plyer runs each balloon (which stays up for its timeout) in a thread of its own, where
    an error such as "Could not load icon" reaches only stderr, which the windowed exe lacks. So
    this runs plyer's balloon itself, one thread per popup, and reports its errors the same way.
    ``balloon`` stands in for plyer's ``balloon_tip`` (tests pass a double that fails as it does).
    Settings no longer offers this style on Windows (plyer's balloon leaves a tray icon per popup);
    it stays for a file that still asks for it until start-up replaces the choice.

    Only notify-send's daemons read the body as markup, so only there is it escaped: a Windows
    balloon (or macOS) would show "&amp;" for "&".
    """

    def __init__(
        self,
        *,
        app_name: str,
        app_icon: str = "",
        on_failed: Callable[[str, Notification], None] = lambda reason, notification: None,
        balloon: Callable[..., None] | None = None,
    ) -> None:
        self._app_name = app_name
        self._app_icon = app_icon
        self._on_failed = on_failed
        self._loop = asyncio.get_running_loop()
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="plyer-notify")
        self._failed = False
        self._balloon = balloon if balloon is not None or sys.platform != "win32" else _plyer_balloon()
        self._reads_markup = self._balloon is None and sys.platform not in ("win32", "darwin")

    def show(self, notification: Notification) -> None:
        if self._balloon is not None:  # blocks for the popup's life: a thread each, as plyer does
            threading.Thread(target=self._send, args=(notification,), name="plyer-balloon", daemon=True).start()
        else:
            self._worker.submit(self._send, notification)

    def close(self) -> None:
        """Stop taking popups; queued ones still go out (the interpreter waits for them at exit)."""
        self._worker.shutdown(wait=False, cancel_futures=False)

    def _send(self, notification: Notification) -> None:
        # Daemons read the body as markup (dunst does); the summary is plain text by spec.
        body = escape_markup(notification.body) if self._reads_markup else notification.body
        fields = {"title": notification.title, "message": body}
        try:
            if self._balloon is not None:
                self._balloon(**fields, app_name=self._app_name, app_icon=self._app_icon, timeout=10)
            else:
                with warnings.catch_warnings():
                    # plyer warns on each use without dbus-python, then runs notify-send: that is fine.
                    warnings.filterwarnings("ignore", message="The Python dbus package", category=UserWarning)
                    from plyer import notification as plyer_notification

                    plyer_notification.notify(**fields, app_name=self._app_name, app_icon=self._app_icon, timeout=10)
        except Exception as error:
            if not self._failed:
                self._failed = True
                log.error("desktop notification failed: %r", error)
            # plyer raises a bare NotImplementedError when it finds no backend at all.
            reason = "no notification service was found" if isinstance(error, NotImplementedError) else str(error)
            self._loop.call_soon_threadsafe(self._on_failed, reason or type(error).__name__, notification)
        else:
            log.debug("notified: %s", notification.title)


def _plyer_balloon() -> Callable[..., None] | None:
    """plyer's Windows balloon, to run in a thread we own (None: plyer moved it; use its facade)."""
    try:
        from plyer.platforms.win.libs.balloontip import balloon_tip
    except Exception as error:  # pragma: no cover - Windows only
        log.warning("plyer's Windows balloon not found (%r): its errors will not be reported", error)
        return None
    return cast(Callable[..., None], balloon_tip)
