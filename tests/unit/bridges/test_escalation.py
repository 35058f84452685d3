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


def test_each_engines_outage_waits_for_its_own_answer_and_one_answer_at_the_desk_answers_all() -> None:
    """Escalations: Desk's outage raised after VPS's does not cancel VPS's timer (each engine has its
    own); "I'm on it" answers every outage waiting; a recovery follows only an escalated outage."""
    from algomesh_tray.bridges.escalation import Escalations

    vps_down = EngineAlert("down", "VPS is down", "gone", 1.0, "VPS")
    vps_up = EngineAlert("up", "VPS is back", "back", 1.0, "VPS")
    desk_down = EngineAlert("down", "Desk is down", "gone", 2.0, "Desk")
    desk_up = EngineAlert("up", "Desk is back", "back", 2.0, "Desk")

    async def scenario() -> tuple[list[EngineAlert], list[EngineAlert]]:
        sent: list[EngineAlert] = []
        escalations = Escalations(send=sent.append, after=0.1)
        escalations.alert(vps_down)
        escalations.alert(desk_down)
        assert escalations.unanswered == [vps_down, desk_down]
        await wait_until_async(lambda: len(sent) == 2, what="both outages at the bridges")
        both = sorted(sent, key=lambda alert: alert.engine)
        escalations.alert(vps_up)
        escalations.alert(desk_up)
        sent.clear()
        escalations.set_after(60)
        escalations.alert(vps_down)
        escalations.alert(desk_down)
        assert escalations.acknowledge() and escalations.unanswered == []
        assert not escalations.acknowledge()  # nothing left to answer
        assert not escalations.escalated("VPS") and not escalations.escalated("Desk")
        escalations.alert(vps_up)
        escalations.alert(desk_up)
        escalations.close()
        return both, sent

    both, answered = asyncio.run(scenario())
    assert both == [desk_down, vps_down]
    assert answered == []  # answered at the desk: neither the outages nor their recoveries left it


def test_an_engine_no_longer_watched_takes_its_waiting_outage_with_it() -> None:
    """VPS is switched off while its outage waits for an answer: it never reaches the bridges (its
    recovery would never come), and the tray's "I'm on it" is told it is gone."""
    from algomesh_tray.bridges.escalation import Escalations

    vps_down = EngineAlert("down", "VPS is down", "gone", 1.0, "VPS")
    desk_down = EngineAlert("down", "Desk is down", "gone", 2.0, "Desk")

    async def scenario() -> tuple[list[EngineAlert], int]:
        sent: list[EngineAlert] = []
        changes: list[int] = []
        escalations = Escalations(send=sent.append, after=0.05)
        escalations.on_change = lambda: changes.append(len(escalations.unanswered))
        escalations.alert(vps_down)
        escalations.keep_only(["Desk"])
        assert escalations.unanswered == [] and changes[-1] == 0
        escalations.alert(desk_down)  # raised after VPS's: its timer ends after VPS's would have
        await wait_until_async(lambda: sent, what="Desk's outage at the bridges")
        escalations.close()
        return sent, len(changes)

    sent, _ = asyncio.run(scenario())
    assert sent == [desk_down]
