"""Several engines on one loop, against real websockets servers on loopback: each signal tagged with
its engine, one engine down or silent never holds up the others, a list change reconnects only the
engine that changed, and outage alerts come per engine, named."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from algomesh_tray.feed.engines import Engine, engine_from_url
from algomesh_tray.feed.fleet import EngineFleet
from algomesh_tray.feed.outage import EngineAlert
from algomesh_tray.feed.protocol import ReceivedSignal
from algomesh_tray.feed.simulator import SimulatedEngine
from algomesh_tray.feed.status import ListenerStatus

from ..conftest import wait_until
from ..engines import CONNECTED, DISCONNECTED, STOPPED, fast_delays, free_port


class Watch:
    """A fleet whose callbacks record what they got."""

    def __init__(self, *, alert_after: float = 60) -> None:
        self.received: list[ReceivedSignal] = []
        self.statuses: list[ListenerStatus] = []
        self.alerts: list[EngineAlert] = []
        self.fleet = EngineFleet(
            on_signal=self.received.append,
            on_status=self.statuses.append,
            on_rejected=lambda reason, signal: None,
            on_alert=self.alerts.append,
            alert_after=alert_after,
            delays=fast_delays,
        )

    def from_engine(self, name: str) -> list[ReceivedSignal]:
        return [signal for signal in self.received if signal.engine == name]

    def state(self, name: str) -> object:
        return self.fleet.engines[name].listener.status.state


async def _engine(**options: object) -> SimulatedEngine:
    engine = SimulatedEngine(rate=200, **options)  # type: ignore[arg-type]
    await engine.start()
    return engine


def test_each_signal_carries_its_engines_name_and_a_dead_engine_holds_up_nobody() -> None:
    """Desk and VPS stream; Gone never answers (nothing listens on its port): Desk's and VPS's
    signals arrive, each with its name, while Gone retries on its own."""

    async def scenario() -> Watch:
        desk, vps = await _engine(seed=1), await _engine(seed=2)
        watch = Watch()
        gone = await free_port()
        try:
            watch.fleet.watch([engine_from_url("Desk", desk.url), engine_from_url("Gone", f"ws://127.0.0.1:{gone}/connect"),
                               engine_from_url("VPS", vps.url)])  # fmt: skip
            await wait_until(lambda: len(watch.from_engine("Desk")) >= 20 and len(watch.from_engine("VPS")) >= 20)
            assert watch.state("Gone") is not CONNECTED
            assert watch.fleet.down == ["Gone"]
        finally:
            await watch.fleet.stop()
            await desk.close()
            await vps.close()
        return watch

    watch = asyncio.run(scenario())
    assert {signal.engine for signal in watch.received} == {"Desk", "VPS"}
    assert {status.engine for status in watch.statuses} == {"Desk", "Gone", "VPS"}
    assert watch.fleet.counters.signals == 0  # stopped: nothing watched, nothing counted
    assert len(watch.fleet) == 0


def test_an_engine_killed_and_restarted_comes_back_while_the_other_never_stops() -> None:
    """VPS dies; its status goes down and Desk's signals keep coming; VPS restarted on its port is
    reconnected, and its signals carry its name again."""

    async def scenario() -> None:
        desk, vps = await _engine(seed=1), await _engine(seed=2)
        watch = Watch()
        try:
            watch.fleet.watch([engine_from_url("Desk", desk.url), engine_from_url("VPS", vps.url)])
            await wait_until(lambda: len(watch.from_engine("VPS")) >= 5)
            port = vps.port
            await vps.close()
            await wait_until(lambda: watch.state("VPS") is DISCONNECTED, what="VPS seen down")
            desk_before = len(watch.from_engine("Desk"))
            await wait_until(lambda: len(watch.from_engine("Desk")) >= desk_before + 20, what="Desk still flowing")
            vps_before = len(watch.from_engine("VPS"))
            vps = await _engine(seed=3, port=port)
            await wait_until(lambda: len(watch.from_engine("VPS")) > vps_before, what="VPS back")
            assert watch.fleet.down == []
        finally:
            await watch.fleet.stop()
            await desk.close()
            await vps.close()

    asyncio.run(scenario())


def test_a_changed_list_reconnects_only_the_engine_that_changed() -> None:
    """Moving VPS to another address leaves Desk's connection as it was; a removed engine stops; a
    switched-off one is not watched; an added one starts."""

    async def scenario() -> None:
        desk, vps, moved, added = [await _engine(seed=n) for n in range(4)]
        watch = Watch()
        try:
            desk_engine = engine_from_url("Desk", desk.url)
            watch.fleet.watch([desk_engine, engine_from_url("VPS", vps.url)])
            await wait_until(lambda: len(desk._clients) == 1 and len(vps._clients) == 1)
            desk_listener = watch.fleet.engines["Desk"].listener
            desk_connection = next(iter(desk._clients))
            watch.fleet.watch([desk_engine, engine_from_url("VPS", moved.url)])
            await wait_until(lambda: len(moved._clients) == 1 and not vps._clients, what="VPS moved")
            assert watch.fleet.engines["Desk"].listener is desk_listener
            assert next(iter(desk._clients)) is desk_connection  # Desk never reconnected
            watch.fleet.watch([replace(desk_engine, enabled=False), engine_from_url("Added", added.url)])
            await wait_until(lambda: not desk._clients and not moved._clients and len(added._clients) == 1)
            assert list(watch.fleet.engines) == ["Added"]
        finally:
            await watch.fleet.stop()
            for engine in (desk, vps, moved, added):
                await engine.close()

    asyncio.run(scenario())


def test_outage_alerts_come_per_engine_and_name_it_when_there_are_several() -> None:
    """VPS gone past the alert delay: one alert, titled with its name; Desk raises none. Back: one
    recovery, named. With a single engine the words stay those of one engine."""

    async def scenario() -> tuple[list[EngineAlert], list[EngineAlert]]:
        desk, vps = await _engine(seed=1), await _engine(seed=2)
        watch = Watch(alert_after=0.3)
        try:
            watch.fleet.watch([engine_from_url("Desk", desk.url), engine_from_url("VPS", vps.url)])
            await wait_until(lambda: len(watch.from_engine("VPS")) >= 1 and len(watch.from_engine("Desk")) >= 1)
            port = vps.port
            await vps.close()
            await wait_until(lambda: len(watch.alerts) == 1, what="VPS's outage alert")
            vps = await _engine(seed=3, port=port)
            await wait_until(lambda: len(watch.alerts) == 2, what="VPS's recovery")
            several = list(watch.alerts)
            watch.fleet.watch([engine_from_url("Desk", desk.url)])
            await desk.close()
            await wait_until(lambda: len(watch.alerts) == 3, what="Desk's outage alert, alone")
            return several, watch.alerts[2:]
        finally:
            await watch.fleet.stop()
            await desk.close()
            await vps.close()

    several, alone = asyncio.run(scenario())
    down, up = several
    assert (down.kind, down.engine, up.kind, up.engine) == ("down", "VPS", "up", "VPS")
    assert down.title.startswith("VPS is down since ") and up.title == "VPS is back"
    assert alone[0].title == "AlgoMesh engine disconnected" and alone[0].engine == "Desk"


def test_reconnect_now_reaches_the_engine_named_only() -> None:
    """ "Reconnect now" on VPS drops VPS's connection, not Desk's."""

    async def scenario() -> None:
        desk, vps = await _engine(seed=1), await _engine(seed=2)
        watch = Watch()
        try:
            watch.fleet.watch([engine_from_url("Desk", desk.url), engine_from_url("VPS", vps.url)])
            await wait_until(lambda: len(desk._clients) == 1 and len(vps._clients) == 1)
            desk_connection, vps_connection = next(iter(desk._clients)), next(iter(vps._clients))
            watch.fleet.reconnect("VPS")
            await wait_until(lambda: len(vps._clients) == 1 and next(iter(vps._clients)) is not vps_connection)
            assert next(iter(desk._clients)) is desk_connection
        finally:
            await watch.fleet.stop()
            await desk.close()
            await vps.close()

    asyncio.run(scenario())


def test_the_default_engine_is_the_engines_documented_address() -> None:
    assert Engine().url == "ws://localhost:52000/connect" and Engine().name == "AlgoMesh"


def test_an_engine_switched_off_and_on_again_is_not_shown_stopped_by_its_old_listener() -> None:
    """The old listener says STOPPED once its connection has closed, which may be after the new one
    has connected: that last word is not passed on, so VPS does not read "Stopped" while it streams."""

    async def scenario() -> list[ListenerStatus]:
        desk, vps = await _engine(seed=1), await _engine(seed=2)
        watch = Watch()
        try:
            both = [engine_from_url("Desk", desk.url), engine_from_url("VPS", vps.url)]
            watch.fleet.watch(both)
            await wait_until(lambda: len(vps._clients) == 1)
            watch.fleet.watch(both[:1])
            watch.fleet.watch(both)  # at once: the old listener is still closing
            await wait_until(lambda: watch.state("VPS") is CONNECTED and not watch.fleet._stopping, what="VPS back")
            return [status for status in watch.statuses if status.engine == "VPS"]
        finally:
            await watch.fleet.stop()
            await desk.close()
            await vps.close()

    vps_statuses = asyncio.run(scenario())
    assert vps_statuses[-1].state is CONNECTED
    assert STOPPED not in [status.state for status in vps_statuses]
