"""The escalation on a real event loop: an unanswered outage reaches the bridges after the delay, an
answered one never does, and the recovery follows only an outage the bridges got."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from algomesh_tray.bridges.escalation import Escalation
from algomesh_tray.feed.outage import EngineAlert

from ...waiting import wait_until_async

DOWN = EngineAlert("down", "AlgoMesh engine disconnected", "Connection refused.", 1_700_000_000.0)
UP = EngineAlert("up", "AlgoMesh engine is back", "Signals are flowing again after 3 min.", 1_700_000_000.0)


def run(scenario: Callable[[Escalation, list[EngineAlert]], Awaitable[None]], after: float) -> list[EngineAlert]:
    sent: list[EngineAlert] = []

    async def main() -> None:
        escalation = Escalation(send=sent.append, after=after)
        try:
            await scenario(escalation, sent)
        finally:
            escalation.close()

    asyncio.run(main())
    return sent


async def later_than(seconds: float) -> None:
    """Return once the loop has run every timer due within ``seconds`` (timers run in time order)."""
    passed = asyncio.Event()
    asyncio.get_running_loop().call_later(seconds, passed.set)
    await passed.wait()


def test_zero_sends_the_outage_and_its_recovery_at_once() -> None:
    async def scenario(escalation: Escalation, sent: list[EngineAlert]) -> None:
        escalation.alert(DOWN)
        assert sent == [DOWN] and escalation.unanswered is None
        escalation.alert(UP)
        assert sent == [DOWN, UP]

    run(scenario, after=0)


def test_an_unanswered_outage_goes_to_the_bridges_after_the_delay_then_its_recovery() -> None:
    changes: list[EngineAlert | None] = []

    async def scenario(escalation: Escalation, sent: list[EngineAlert]) -> None:
        escalation.on_change = lambda: changes.append(escalation.unanswered)
        escalation.alert(DOWN)
        assert sent == [] and escalation.unanswered is DOWN  # the tray menu offers "I'm on it"
        await wait_until_async(lambda: sent == [DOWN], 5, what="the outage at the bridges")
        assert escalation.unanswered is None and escalation.escalated
        escalation.alert(UP)
        assert sent == [DOWN, UP] and not escalation.escalated

    run(scenario, after=0.05)
    assert changes == [DOWN, None, None]


def test_an_answered_outage_stays_off_the_bridges_and_so_does_its_recovery() -> None:
    async def scenario(escalation: Escalation, sent: list[EngineAlert]) -> None:
        escalation.alert(DOWN)
        assert escalation.acknowledge()
        assert not escalation.acknowledge()  # nothing left to answer
        await later_than(0.1)  # past the delay
        escalation.alert(UP)
        assert sent == []

    run(scenario, after=0.05)


def test_a_recovery_before_the_delay_sends_nothing() -> None:
    async def scenario(escalation: Escalation, sent: list[EngineAlert]) -> None:
        escalation.alert(DOWN)
        escalation.alert(UP)
        assert escalation.unanswered is None
        await later_than(0.1)
        assert sent == []

    run(scenario, after=0.05)


def test_a_shorter_delay_from_settings_counts_from_the_alert() -> None:
    async def scenario(escalation: Escalation, sent: list[EngineAlert]) -> None:
        escalation.alert(DOWN)
        escalation.set_after(0)  # already past: sent now
        await wait_until_async(lambda: sent == [DOWN], 5, what="the outage at the bridges")

    run(scenario, after=3600)


def test_a_failing_send_is_logged_and_the_escalation_goes_on() -> None:
    def broken(alert: EngineAlert) -> None:
        raise RuntimeError("bridge bug")

    async def main() -> None:
        escalation = Escalation(send=broken, after=0)
        escalation.alert(DOWN)
        assert escalation.escalated
        escalation.alert(UP)
        assert not escalation.escalated

    asyncio.run(main())
