"""When to tell the trader the engine is gone, and that it is back. No Qt, no I/O.

Fed the listener's statuses and the signals' arrivals, it announces an outage once it has lasted
``after`` seconds (one alert per outage, however many retries fail) and the recovery once, with how
long the engine was gone. An engine that drops and comes back within ``after`` seconds, again and
again (flapping), raises nothing. Starting without an engine is an outage like any other. The
timer is the event loop's (``call_later``); the wall clock, for the words, can be injected.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from ..util.formatting import format_duration, format_time
from ..util.guard import guarded
from .engines import DEFAULT_ENGINE_NAME
from .status import ConnectionState, ListenerStatus

__all__ = ["DEFAULT_ALERT_SECONDS", "EngineAlert", "EngineAlerts"]

log = logging.getLogger(__name__)

DEFAULT_ALERT_SECONDS = 10


@dataclass(frozen=True, slots=True)
class EngineAlert:
    """One announcement: the engine is gone (``down``) or back (``up``), in words, for any channel."""

    kind: Literal["down", "up"]
    title: str
    body: str
    #: When the outage began (wall clock, time.time()).
    since: float
    #: The engine it is about (feed/engines.py).
    engine: str = DEFAULT_ENGINE_NAME


class EngineAlerts:
    """The outage policy. Call ``status_changed`` with each ListenerStatus and ``signal_received`` on
    each signal; ``on_alert`` gets an EngineAlert at most once per outage and once per recovery.

    ``after``: seconds of outage before the alert; 0 turns alerts off. ``outage_since`` (wall
    clock) is set during every outage, alert or not, for the tray tooltip and the status bar.
    ``engine``: the engine watched; ``named``: several are, so the words name it ("VPS is down").
    """

    def __init__(
        self,
        *,
        on_alert: Callable[[EngineAlert], None],
        after: float = DEFAULT_ALERT_SECONDS,
        clock: Callable[[], float] = time.time,
        engine: str = DEFAULT_ENGINE_NAME,
        named: bool = False,
    ) -> None:
        self._on_alert = guarded(on_alert, what="the engine alert callback", logger=log)
        self._after = after
        self._clock = clock
        self.engine = engine
        self.named = named
        self._loop = asyncio.get_running_loop()
        self._timer: asyncio.TimerHandle | None = None
        self._reason = "the engine has not been reached yet"
        self._alerted = False
        self.last_signal_at: float | None = None
        self.outage_since: float | None = None
        self.alerts = 0
        self._begin_outage()  # starting with no engine counts as an outage

    @property
    def after(self) -> float:
        return self._after

    def set_after(self, seconds: float) -> None:
        """Settings changed the delay; an outage under way is judged by the new one from its start."""
        self._after = seconds
        self._cancel_timer()
        if self.outage_since is not None and not self._alerted:
            self._schedule()

    def status_changed(self, status: ListenerStatus) -> None:
        if status.state is ConnectionState.CONNECTED:
            self._engine_back()
        elif status.state is ConnectionState.STOPPED:
            self._stop_watching()  # stopped on purpose (quit, new address): not an outage
        else:
            if status.state is ConnectionState.DISCONNECTED and status.detail:
                self._reason = status.detail
            if self.outage_since is None:
                self._begin_outage()

    def signal_received(self, when: float | None = None) -> None:
        self.last_signal_at = self._clock() if when is None else when

    def close(self) -> None:
        self._cancel_timer()

    # Inside

    def _begin_outage(self) -> None:
        self.outage_since = self._clock()
        self._alerted = False
        self._schedule()

    def _schedule(self) -> None:
        if self._after <= 0 or self.outage_since is None:
            return
        remaining = self.outage_since + self._after - self._clock()
        self._timer = self._loop.call_later(max(0.0, remaining), self._alert_down)

    def _engine_back(self) -> None:
        self._cancel_timer()
        since, alerted = self.outage_since, self._alerted
        self.outage_since, self._alerted = None, False
        if since is None or not alerted:
            return
        gone = format_duration(self._clock() - since)
        title = f"{self.engine} is back" if self.named else "AlgoMesh engine is back"
        self._announce(EngineAlert("up", title, f"Signals are flowing again after {gone}.", since, self.engine))

    def _stop_watching(self) -> None:
        self._cancel_timer()
        self.outage_since, self._alerted = None, False

    def _alert_down(self) -> None:
        self._timer = None
        if self.outage_since is None or self._alerted:
            return
        self._alerted = True
        reason = self._reason[:1].upper() + self._reason[1:]
        if self.last_signal_at is None:
            last = "No signal has come since AlgoMesh Tray started."
        else:
            ago = format_duration(self._clock() - self.last_signal_at)
            last = f"Last signal at {format_time(self.last_signal_at)} ({ago} ago)."
        since = format_time(self.outage_since)
        body = f"{reason}.\n{last}\nDown since {since}."
        title = f"{self.engine} is down since {since}" if self.named else "AlgoMesh engine disconnected"
        self._announce(EngineAlert("down", title, body, self.outage_since, self.engine))

    def _announce(self, alert: EngineAlert) -> None:
        self.alerts += 1
        log.warning("%s: %s", alert.title, alert.body.replace("\n", " "))
        self._on_alert(alert)

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
