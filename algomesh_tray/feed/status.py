"""Where the feed stands, and how the tray and status bar word it. Pure: no Qt, no websockets.

The listener reports ``ListenerStatus`` snapshots and keeps ``FeedCounters``; the tray, the
trades window and tests read them here without importing the network stack.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from ..util.formatting import format_duration, plural
from .engines import DEFAULT_ENGINE_NAME

__all__ = [
    "IDLE_NOTICE_SECONDS",
    "ConnectionState",
    "EngineState",
    "FeedCounters",
    "ListenerStatus",
    "engines_text",
    "feed_text",
    "short_state",
    "status_text",
]

#: A connected feed silent this long gets "no data for …" in its status (engines can be quiet).
IDLE_NOTICE_SECONDS = 60


class ConnectionState(enum.Enum):
    """Where the listener stands with the engine."""

    CONNECTING = "connecting"
    CONNECTED = "connected"
    DISCONNECTED = "disconnected"
    STOPPED = "stopped"


@dataclass(frozen=True, slots=True)
class ListenerStatus:
    """A snapshot for the tray and status bar; ``retry_in`` is set while waiting to retry."""

    state: ConnectionState
    url: str
    detail: str = ""
    retry_in: float | None = None
    engine: str = DEFAULT_ENGINE_NAME


@dataclass(slots=True)
class FeedCounters:
    """What the feed has sent since start, for the status bar and the benchmark."""

    signals: int = 0
    ignored: int = 0
    rejected: int = 0
    last_rejection: str = ""
    ignored_types: dict[str, int] = field(default_factory=dict)


def feed_text(counters: FeedCounters) -> str:
    """The status bar's counts for this session."""
    return (
        f"This session: {plural(counters.signals, 'signal')} · {plural(counters.ignored, 'other message')}"
        f" · {counters.rejected:,} rejected"
    )


def _connection_text(status: ListenerStatus, idle_for: float | None, down_since: datetime | None) -> tuple[str, str]:
    if status.state == ConnectionState.CONNECTED:
        text = f"Connected to {status.url}"
        if idle_for is not None and idle_for >= IDLE_NOTICE_SECONDS:
            text += f" · no data for {format_duration(idle_for)}"
        return "tray-connected", text
    if status.state == ConnectionState.CONNECTING:
        return "tray-connecting", f"Connecting to {status.url}…"
    if status.state == ConnectionState.DISCONNECTED:
        text = f"Disconnected from {status.url}: {status.detail}"
        if down_since is not None:
            same_day = down_since.date() == datetime.now(down_since.tzinfo).date()
            text += f" · down since {down_since.strftime('%H:%M:%S' if same_day else '%a %H:%M')}"
        if status.retry_in is not None:
            text += f" — retrying in {max(1, round(status.retry_in))} s"
        return "tray-disconnected", text
    return "tray-disconnected", "Stopped"


def status_text(
    status: ListenerStatus,
    paused: bool,
    *,
    idle_for: float | None = None,
    paused_until: datetime | None = None,
    quiet_until: datetime | None = None,
    down_since: datetime | None = None,
) -> tuple[str, str]:
    """(icon name, sentence) for a listener status, as the tray and status bar show it;
    ``down_since``: when the engine became unreachable (said while disconnected)."""
    icon, text = _connection_text(status, idle_for, down_since)
    return _with_pause(icon, text, paused, paused_until, quiet_until)


@dataclass(frozen=True, slots=True)
class EngineState:
    """One engine's status, with what the words need: how long it has been silent, since when it is down."""

    status: ListenerStatus
    idle_for: float | None = None
    down_since: datetime | None = None


#: From worst to best: the tray icon shows the worst engine's state.
_WORST_FIRST = ("tray-disconnected", "tray-connecting", "tray-connected")


def engines_text(
    states: Sequence[EngineState],
    paused: bool,
    *,
    paused_until: datetime | None = None,
    quiet_until: datetime | None = None,
) -> tuple[str, str, str]:
    """(icon name, status bar sentence, tooltip) for every engine watched.

    One engine reads as ``status_text`` says. Several: the icon is the worst engine's; the
    sentence names the connected engines together and each one that is not, with its trouble;
    the tooltip has a line per engine.
    """
    if len(states) == 1:
        state = states[0]
        icon, text = status_text(state.status, paused, idle_for=state.idle_for, paused_until=paused_until,
                                 quiet_until=quiet_until, down_since=state.down_since)  # fmt: skip
        return icon, text, text
    words = [(state.status, *_connection_text(state.status, state.idle_for, state.down_since)) for state in states]
    icon = min((icon for _, icon, _ in words), key=_WORST_FIRST.index, default="tray-disconnected")
    connected = [status.engine for status, _, _ in words if status.state is ConnectionState.CONNECTED]
    others = [f"{status.engine}: {text}" for status, _, text in words if status.state is not ConnectionState.CONNECTED]
    none = "No engine is switched on"
    summary = " · ".join(([f"Connected: {', '.join(connected)}"] if connected else []) + others) or none
    tooltip = "\n".join(f"{status.engine}: {text}" for status, _, text in words) or none
    icon, summary = _with_pause(icon, summary, paused, paused_until, quiet_until)
    _, tooltip = _with_pause(icon, tooltip, paused, paused_until, quiet_until, separator="\n")
    return icon, summary, tooltip


def short_state(state: EngineState) -> str:
    """A few words for a menu: 'connected', 'connecting…', 'down since 12:03'."""
    status = state.status
    if status.state is ConnectionState.CONNECTED:
        return "connected"
    if status.state is ConnectionState.CONNECTING:
        return "connecting…"
    if status.state is ConnectionState.STOPPED:
        return "stopped"
    return "down" if state.down_since is None else f"down since {state.down_since:%H:%M}"


def _with_pause(
    icon: str,
    text: str,
    paused: bool,
    paused_until: datetime | None,
    quiet_until: datetime | None,
    separator: str = " · ",
) -> tuple[str, str]:
    if paused:
        until = ""
        if paused_until is not None:
            same_day = paused_until.date() == datetime.now(paused_until.tzinfo).date()
            until = f" until {paused_until.strftime('%H:%M' if same_day else '%a %H:%M')}"
        return "tray-paused", f"Notifications paused{until}{separator}{text}"
    if quiet_until is not None:
        return "tray-paused", f"Quiet hours until {quiet_until:%H:%M}{separator}{text}"
    return icon, text
