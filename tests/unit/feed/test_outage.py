"""The engine outage policy against a real simulated engine that is killed, restarted and made to flap."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

from algomesh_tray.feed.listener import ConnectionState, EngineListener, ListenerStatus
from algomesh_tray.feed.outage import EngineAlert, EngineAlerts
from algomesh_tray.feed.protocol import ReceivedSignal
from algomesh_tray.feed.simulator import SimulatedEngine
from algomesh_tray.notify.notification import ENGINE_STATUS_TAG, Notification
from algomesh_tray.util.backoff import backoff_delays

from ..conftest import wait_until


def fast_delays() -> Iterator[float]:
    """Retry delays for a test: 0.05, 0.1, 0.1, ..."""
    return backoff_delays(initial=0.05, cap=0.1)


class Watched:
    """A listener on ``url`` feeding an EngineAlerts, and everything they said."""

    def __init__(self, url: str, after: float) -> None:
        self.alerts: list[EngineAlert] = []
        self.statuses: list[ListenerStatus] = []
        self.policy = EngineAlerts(on_alert=self.alerts.append, after=after)
        self.listener = EngineListener(url, on_signal=self._signal, on_status=self._status, delays=fast_delays)

    def _signal(self, received: ReceivedSignal) -> None:
        self.policy.signal_received(received.received_at)

    def _status(self, status: ListenerStatus) -> None:
        self.statuses.append(status)
        self.policy.status_changed(status)

    def count(self, state: ConnectionState) -> int:
        return sum(status.state is state for status in self.statuses)

    async def stop(self) -> None:
        await self.listener.stop()
        self.policy.close()


def test_a_killed_engine_raises_one_alert_and_its_return_one_notice() -> None:
    """Engine killed: one critical alert within N s + 2 s, none more while retries fail; restarted:
    one 'back' notice saying how long it was gone, replacing the alert's popup."""

    async def main() -> None:
        loop = asyncio.get_running_loop()
        engine = SimulatedEngine(rate=50)
        await engine.start()
        port = engine.port
        watched = Watched(engine.url, after=0.5)
        watched.listener.start()
        await wait_until(lambda: watched.policy.last_signal_at is not None, what="a signal")
        assert watched.policy.outage_since is None and watched.alerts == []  # started fine: no alert
        await engine.close()
        killed = loop.time()
        await wait_until(lambda: watched.alerts, timeout=0.5 + 2, what="the outage alert")
        assert loop.time() - killed >= 0.5
        retries = watched.count(ConnectionState.DISCONNECTED)
        await wait_until(lambda: watched.count(ConnectionState.DISCONNECTED) >= retries + 5, what="more failed retries")
        [down] = watched.alerts
        assert down.kind == "down" and down.title == "AlgoMesh engine disconnected"
        assert down.body.startswith("Engine not running (connection refused).\nLast signal at ")
        assert "Down since" in down.body
        popup = Notification.for_engine_alert(down)
        assert (popup.urgency, popup.category, popup.replaces, popup.offer_pause, popup.record) == (
            "critical", "network.disconnected", f"{ENGINE_STATUS_TAG} AlgoMesh", False, None
        )  # fmt: skip
        assert watched.policy.outage_since is not None
        engine = SimulatedEngine(port=port, rate=50)
        await engine.start()
        await wait_until(lambda: len(watched.alerts) == 2, what="the recovery notice")
        back = watched.alerts[1]
        assert back.kind == "up" and back.title == "AlgoMesh engine is back" and back.since == down.since
        assert back.body.startswith("Signals are flowing again after ") and back.body.endswith(" s.")
        assert Notification.for_engine_alert(back).urgency == "normal" and watched.policy.outage_since is None
        await watched.stop()
        await engine.close()
        assert len(watched.alerts) == 2  # stopping on purpose is no outage

    asyncio.run(main())


def test_starting_without_an_engine_is_an_outage() -> None:
    """No engine at start: the alert comes after N s and says no signal has come yet."""

    async def main() -> None:
        engine = SimulatedEngine()
        await engine.start()
        url = engine.url
        await engine.close()  # a port nobody listens on
        watched = Watched(url, after=0.3)
        watched.listener.start()
        await wait_until(lambda: watched.alerts, what="the outage alert")
        [down] = watched.alerts
        assert down.body.startswith("Engine not running (connection refused).\nNo signal has come since")
        await watched.stop()

    asyncio.run(main())


def test_a_flapping_engine_raises_no_storm() -> None:
    """Killed and restarted over and over for 3 × N (each outage shorter than N = 0.5 s, as the
    issue's down/up every second for 20 s with N = 10): no alert at all, and no outage left open."""

    async def main() -> None:
        loop = asyncio.get_running_loop()
        engine = SimulatedEngine(rate=20)
        await engine.start()
        port = engine.port
        watched = Watched(engine.url, after=0.5)
        watched.listener.start()
        await wait_until(lambda: watched.count(ConnectionState.CONNECTED) == 1)
        started, flaps = loop.time(), 0
        while loop.time() - started < 1.5:
            await engine.close()
            drops = flaps + 1
            await wait_until(lambda d=drops: watched.count(ConnectionState.DISCONNECTED) >= d, what="the drop")
            engine = SimulatedEngine(port=port, rate=20)
            await engine.start()
            await wait_until(lambda d=drops: watched.count(ConnectionState.CONNECTED) > d, what="the return")
            flaps = drops
        assert flaps >= 5 and watched.alerts == [] and watched.policy.outage_since is None
        await watched.stop()
        await engine.close()

    asyncio.run(main())


def test_statuses_flapping_faster_than_n_raise_nothing_and_n_zero_is_off() -> None:
    """Fed statuses alone: one alert per outage whatever the retries; 0 seconds turns alerts off."""

    async def main() -> None:
        alerts: list[EngineAlert] = []
        policy = EngineAlerts(on_alert=alerts.append, after=0.2)
        down = ListenerStatus(ConnectionState.DISCONNECTED, "ws://x", "engine not running (connection refused)", 0.1)
        up = ListenerStatus(ConnectionState.CONNECTED, "ws://x", "connected")
        for _ in range(10):
            policy.status_changed(down)
            await asyncio.sleep(0.02)  # the flapping itself: part of the scenario, not synchronisation
            policy.status_changed(up)
        policy.status_changed(down)
        await wait_until(lambda: alerts)
        for _ in range(20):
            policy.status_changed(down)  # retries of the same outage
        policy.status_changed(up)
        assert [alert.kind for alert in alerts] == ["down", "up"]
        policy.close()

        off: list[EngineAlert] = []
        silent = EngineAlerts(on_alert=off.append, after=0)
        silent.status_changed(down)
        assert silent._timer is None and silent.outage_since is not None  # white-box: no timer at all
        silent.status_changed(up)
        assert off == []

    asyncio.run(main())


def test_changing_n_during_an_outage_counts_from_its_start() -> None:
    """An outage under way with alerts off; turning them on alerts at once if it is already long enough."""

    async def main() -> None:
        alerts: list[EngineAlert] = []
        now = [1000.0]
        policy = EngineAlerts(on_alert=alerts.append, after=0, clock=lambda: now[0])
        now[0] += 30
        policy.set_after(10)
        await wait_until(lambda: alerts)
        assert "Down since" in alerts[0].body and alerts[0].since == 1000.0
        policy.status_changed(ListenerStatus(ConnectionState.CONNECTED, "ws://x"))
        assert alerts[1].body == "Signals are flowing again after 30 s."
        policy.close()

    asyncio.run(main())


def test_stopping_the_listener_is_not_an_outage() -> None:
    """Quit or a new address stops the listener on purpose: the pending alert is dropped."""

    async def main() -> None:
        alerts: list[EngineAlert] = []
        policy = EngineAlerts(on_alert=alerts.append, after=0.05)
        policy.status_changed(ListenerStatus(ConnectionState.STOPPED, "ws://x", "stopped"))
        assert policy.outage_since is None and policy._timer is None
        policy.close()

    asyncio.run(main())
