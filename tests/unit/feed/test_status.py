"""The words for the feed's state: the tray's tooltip and the trades window's status bar."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from algomesh_tray.feed.status import (
    IDLE_NOTICE_SECONDS,
    ConnectionState,
    FeedCounters,
    ListenerStatus,
    feed_text,
    status_text,
)

URL = "ws://localhost:52000/connect"


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (ListenerStatus(ConnectionState.CONNECTED, URL), ("tray-connected", f"Connected to {URL}")),
        (ListenerStatus(ConnectionState.CONNECTING, URL), ("tray-connecting", f"Connecting to {URL}…")),
        (
            ListenerStatus(ConnectionState.DISCONNECTED, URL, "engine not running (connection refused)", 4.4),
            (
                "tray-disconnected",
                f"Disconnected from {URL}: engine not running (connection refused) — retrying in 4 s",
            ),
        ),
        (
            ListenerStatus(ConnectionState.DISCONNECTED, URL, "the engine closed the connection", 0.2),
            ("tray-disconnected", f"Disconnected from {URL}: the engine closed the connection — retrying in 1 s"),
        ),
        (
            ListenerStatus(ConnectionState.DISCONNECTED, URL, "connection to the engine was lost"),
            ("tray-disconnected", f"Disconnected from {URL}: connection to the engine was lost"),
        ),
        (ListenerStatus(ConnectionState.STOPPED, URL, "stopped"), ("tray-disconnected", "Stopped")),
    ],
    ids=["connected", "connecting", "retrying", "retrying-soon", "disconnected", "stopped"],
)
def test_status_text_for_each_state(status: ListenerStatus, expected: tuple[str, str]) -> None:
    """Each connection state has its icon and a sentence; a retry counts whole seconds, at least 1."""
    assert status_text(status, paused=False) == expected


@pytest.mark.parametrize("state", list(ConnectionState))
def test_status_text_when_paused(state: ConnectionState) -> None:
    """Paused notifications show the paused icon and say so before the connection's sentence."""
    status = ListenerStatus(state, URL, "detail", 3.0)
    icon, text = status_text(status, paused=True)
    assert icon == "tray-paused"
    assert text == f"Notifications paused · {status_text(status, paused=False)[1]}"


@pytest.mark.parametrize(
    ("idle_for", "notice"),
    [
        (None, ""),
        (IDLE_NOTICE_SECONDS - 1, ""),
        (IDLE_NOTICE_SECONDS, " · no data for 1 min"),
        (600, " · no data for 10 min"),
        (725, " · no data for 12 min 5 s"),
        (7200, " · no data for 2 h"),
    ],
)
def test_status_text_tells_of_a_silent_feed(idle_for: float | None, notice: str) -> None:
    """A connected feed quiet for a minute or more says for how long, in the two largest units."""
    status = ListenerStatus(ConnectionState.CONNECTED, URL, "connected")
    assert status_text(status, paused=False, idle_for=idle_for) == ("tray-connected", f"Connected to {URL}{notice}")


def test_status_text_mentions_silence_only_when_connected() -> None:
    """While connecting or retrying, the time since the last frame is not news."""
    status = ListenerStatus(ConnectionState.CONNECTING, URL, "connecting")
    assert status_text(status, paused=False, idle_for=3600) == ("tray-connecting", f"Connecting to {URL}…")


def test_a_timed_pause_says_when_it_ends() -> None:
    """'Notifications paused until 14:35' today; with the weekday when it ends on another day."""
    status = ListenerStatus(ConnectionState.CONNECTED, "ws://localhost:52000/connect")
    soon = datetime.now().astimezone().replace(hour=23, minute=59, second=0)
    icon, text = status_text(status, True, paused_until=soon)
    assert icon == "tray-paused" and text.startswith("Notifications paused until 23:59 · Connected")
    later = soon + timedelta(days=2)
    assert status_text(status, True, paused_until=later)[1].startswith(f"Notifications paused until {later:%a} 23:59")


def test_feed_text_counts_this_session() -> None:
    """Counts with thousands separators and singular or plural nouns."""
    assert feed_text(FeedCounters(signals=1, ignored=2, rejected=1200)) == (
        "This session: 1 signal · 2 other messages · 1,200 rejected"
    )


def test_several_engines_show_the_worst_state_and_name_each_engine_that_is_down() -> None:
    """The icon is the worst engine's; the status bar groups the connected engines and names each one
    that is not, with its trouble; the tooltip has a line per engine; pause still comes first."""
    from algomesh_tray.feed.status import EngineState, engines_text, short_state

    desk = ListenerStatus(ConnectionState.CONNECTED, "ws://127.0.0.1:1/connect", engine="Desk")
    gate = ListenerStatus(ConnectionState.CONNECTED, "ws://127.0.0.1:2/connect", engine="Gate")
    vps = ListenerStatus(ConnectionState.DISCONNECTED, "ws://203.0.113.5:52000/connect",
                         "engine not running (connection refused)", 4.0, engine="VPS")  # fmt: skip
    since = datetime.now().astimezone().replace(hour=12, minute=3, second=0)
    states = [EngineState(desk), EngineState(vps, down_since=since), EngineState(gate)]
    icon, summary, tooltip = engines_text(states, False)
    assert icon == "tray-disconnected"
    assert summary.startswith("Connected: Desk, Gate · VPS: Disconnected from ws://203.0.113.5:52000/connect: engine")
    assert "down since 12:03:00" in summary and "retrying in 4 s" in summary
    assert tooltip.splitlines()[0] == "Desk: Connected to ws://127.0.0.1:1/connect"
    assert tooltip.splitlines()[1].startswith("VPS: Disconnected") and len(tooltip.splitlines()) == 3
    connecting = ListenerStatus(ConnectionState.CONNECTING, "ws://127.0.0.1:2/connect", engine="Gate")
    assert engines_text([EngineState(desk), EngineState(connecting)], False)[0] == "tray-connecting"
    assert engines_text([EngineState(desk), EngineState(gate)], False)[:2] == (
        "tray-connected",
        "Connected: Desk, Gate",
    )
    paused_icon, paused_summary, paused_tooltip = engines_text(states, True)
    assert paused_icon == "tray-paused" and paused_summary.startswith("Notifications paused · Connected: Desk")
    assert paused_tooltip.splitlines()[0] == "Notifications paused"
    assert short_state(EngineState(vps, down_since=since)) == "down since 12:03"
    assert [short_state(EngineState(status)) for status in (desk, connecting)] == ["connected", "connecting…"]


def test_one_engine_reads_as_it_always_did() -> None:
    """With one engine the words carry no name: the status bar and the tooltip say the same sentence."""
    from algomesh_tray.feed.status import EngineState, engines_text, status_text

    status = ListenerStatus(ConnectionState.CONNECTED, "ws://localhost:52000/connect")
    icon, summary, tooltip = engines_text([EngineState(status)], False)
    assert (icon, summary) == status_text(status, False) and tooltip == summary
