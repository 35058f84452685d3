"""Every engine the tray watches, each with its own listener and outage watch, on one loop. No Qt.

An engine that never answers keeps only its own listener retrying: the others' frames go on
arriving on the same loop. A change of the list touches only the engines that changed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from .engines import Engine
from .listener import EngineListener
from .outage import DEFAULT_ALERT_SECONDS, EngineAlert, EngineAlerts
from .protocol import ReceivedSignal, RejectedSignal
from .status import ConnectionState, FeedCounters, ListenerStatus

__all__ = ["EngineFleet", "WatchedEngine"]

log = logging.getLogger(__name__)


@dataclass(slots=True)
class WatchedEngine:
    """One engine, its connection, and when its outage is worth an alert."""

    engine: Engine
    listener: EngineListener
    alerts: EngineAlerts


class EngineFleet:
    """Start with ``watch(engines)``; call it again with a new list: only the engines that changed
    reconnect. ``on_status`` gets every engine's ListenerStatus (its ``engine`` says which), and
    ``on_alert`` each engine's outage and recovery, once each."""

    def __init__(
        self,
        *,
        on_signal: Callable[[ReceivedSignal], None],
        on_status: Callable[[ListenerStatus], None],
        on_rejected: Callable[[str, RejectedSignal | None], None],
        on_alert: Callable[[EngineAlert], None],
        alert_after: float = DEFAULT_ALERT_SECONDS,
        **listener_options: Any,
    ) -> None:
        self._on_signal = on_signal
        self._on_status = on_status
        self._on_rejected = on_rejected
        self._on_alert = on_alert
        self._alert_after = alert_after
        self._listener_options = listener_options
        self.engines: dict[str, WatchedEngine] = {}
        self._stopping: set[asyncio.Task[None]] = set()

    def __iter__(self) -> Iterator[WatchedEngine]:
        return iter(list(self.engines.values()))

    def __len__(self) -> int:
        return len(self.engines)

    def watch(self, engines: Sequence[Engine], *, named: bool | None = None) -> None:
        """Watch exactly ``engines`` (those switched on): new ones start, removed ones stop, a moved
        one reconnects at its new address; the others are not touched. ``named``: alerts name their
        engine (default: when more than one is watched; the app passes Settings.several_engines, the
        rule popups follow)."""
        wanted = {engine.name: engine for engine in engines if engine.enabled}
        for name in [name for name in self.engines if name not in wanted]:
            self._stop(self.engines.pop(name))
        named = len(wanted) > 1 if named is None else named
        for name, engine in wanted.items():
            watched = self.engines.get(name)
            if watched is None:
                self.engines[name] = self._start(engine)
            elif watched.engine.url != engine.url:
                log.info("engine %s moved: connecting to %s", name, engine.url)
                watched.engine = engine
                watched.listener.set_url(engine.url)
        for watched in self.engines.values():
            watched.alerts.named = named

    def _start(self, engine: Engine) -> WatchedEngine:
        alerts = EngineAlerts(on_alert=self._on_alert, after=self._alert_after, engine=engine.name)
        listener = EngineListener(
            engine.url,
            name=engine.name,
            on_signal=self._on_signal,
            on_status=lambda status: self._status_changed(listener, alerts, status),
            on_rejected=self._on_rejected,
            **self._listener_options,
        )
        listener.start()
        log.info("watching engine %s at %s", engine.name, engine.url)
        return WatchedEngine(engine, listener, alerts)

    def _status_changed(self, listener: EngineListener, alerts: EngineAlerts, status: ListenerStatus) -> None:
        alerts.status_changed(status)  # first: the status's words may say since when it is down
        watched = self.engines.get(status.engine)
        if watched is not None and watched.listener is listener:  # not a stopped listener's last word
            self._on_status(status)

    def _stop(self, watched: WatchedEngine) -> None:
        log.info("no longer watching engine %s", watched.engine.name)
        watched.alerts.close()
        task = asyncio.get_running_loop().create_task(watched.listener.stop(), name="stopping an engine listener")
        self._stopping.add(task)
        task.add_done_callback(self._stopping.discard)

    def reconnect(self, name: str | None = None) -> None:
        """Skip the wait and connect again: engine ``name``, or every engine."""
        for watched in self:
            if name is None or watched.engine.name == name:
                watched.listener.reconnect_now()

    def set_alert_after(self, seconds: float) -> None:
        self._alert_after = seconds
        for watched in self:
            watched.alerts.set_after(seconds)

    def signal_received(self, engine: str, when: float) -> None:
        """A signal came from ``engine``: its outage alert says when the last one came."""
        if (watched := self.engines.get(engine)) is not None:
            watched.alerts.signal_received(when)

    def outage_since(self, engine: str) -> float | None:
        """When ``engine`` became unreachable (time.time()); None while it is there."""
        watched = self.engines.get(engine)
        return None if watched is None else watched.alerts.outage_since

    def last_frame_at(self, engine: str) -> float | None:
        watched = self.engines.get(engine)
        return None if watched is None else watched.listener.last_frame_at

    @property
    def down(self) -> list[str]:
        """The engines not connected, in the order they were listed."""
        return [w.engine.name for w in self if w.listener.status.state is not ConnectionState.CONNECTED]

    @property
    def counters(self) -> FeedCounters:
        """Every engine's counts of this session, added up."""
        total = FeedCounters()
        for watched in self:
            counters = watched.listener.counters
            total.signals += counters.signals
            total.ignored += counters.ignored
            total.rejected += counters.rejected
            total.last_rejection = counters.last_rejection or total.last_rejection
        return total

    async def stop(self) -> None:
        """Stop every listener and alert timer; safe to call twice."""
        watched, self.engines = list(self.engines.values()), {}
        for one in watched:
            one.alerts.close()
        await asyncio.gather(*(one.listener.stop() for one in watched), *self._stopping)
