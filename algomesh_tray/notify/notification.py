"""What a popup says, and what every backend that shows one promises. No Qt.

The Qt tray-message backend is in qt/popups.py, the freedesktop one in freedesktop.py and plyer's in
plyer_backend.py; all fit the ``Notifier`` protocol.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, Protocol, runtime_checkable

from ..feed.records import TradeRecord
from ..feed.signal_text import notification_body, notification_title

if TYPE_CHECKING:
    from ..feed.outage import EngineAlert

__all__ = [
    "ENGINE_STATUS_TAG",
    "Notification",
    "Notifier",
    "ReportsLate",
    "Urgency",
]

#: An engine's outage alert and recovery notice share one popup (this tag and the engine's name):
#: "back" replaces "disconnected" in place.
ENGINE_STATUS_TAG = "engine-status"

Urgency = Literal["low", "normal", "critical"]


@dataclass(frozen=True, slots=True)
class Notification:
    """What a popup says, in plain text, and the trade it opens when clicked (if any).

    ``urgency``, ``category`` (freedesktop names, e.g. ``network.disconnected``) and ``replaces``
    are for backends that can use them; others ignore them. ``deadline`` (``time.monotonic()``)
    is when the popup becomes stale; None: never (summaries, engine alerts). ``offer_pause``: the
    popup may carry a "Pause 1 hour" button (not on engine alerts, which pause does not hold back).
    ``offer_acknowledge``: an outage alert waiting for an answer; clicking it or its "I'm on it"
    button answers it (bridges/escalation.py).
    """

    title: str
    body: str
    record: TradeRecord | None = None
    sound: bool = False
    urgency: Urgency = "normal"
    category: str = ""
    replaces: str = ""
    offer_pause: bool = True
    offer_acknowledge: bool = False
    deadline: float | None = field(default=None, compare=False)

    @classmethod
    def for_record(
        cls, record: TradeRecord, *, sound: bool = False, deadline: float | None = None, name_engine: bool = False
    ) -> Notification:
        """``name_engine``: several engines are watched, so the title says which one sent it."""
        title = notification_title(record.signal, record.engine if name_engine else None)
        return cls(title, notification_body(record.signal), record, sound, deadline=deadline)

    @classmethod
    def for_engine_alert(cls, alert: EngineAlert, *, acknowledge: bool = False) -> Notification:
        """The desktop popup for an engine alert: critical while the engine is gone; no pause button
        (pause does not hold engine alerts back); both share one popup, so "back" replaces "disconnected".
        ``acknowledge``: the outage waits for an answer before it goes to the bridges."""
        down = alert.kind == "down"
        return cls(
            alert.title,
            alert.body,
            urgency="critical" if down else "normal",
            category="network.disconnected" if down else "network.connected",
            replaces=f"{ENGINE_STATUS_TAG} {alert.engine}",  # each engine's alerts one popup
            offer_pause=False,
            offer_acknowledge=acknowledge and down,
        )

    def is_late(self, now: float) -> bool:
        """Whether showing it at ``now`` (``time.monotonic()``) would be showing it stale."""
        return self.deadline is not None and now > self.deadline


class Notifier(Protocol):
    """A way to show a popup; ``show`` must return at once (never block the Qt thread)."""

    def show(self, notification: Notification) -> None: ...

    def close(self) -> None: ...


@runtime_checkable
class ReportsLate(Protocol):
    """A backend with a queue of its own hands back the popups it could not show by their deadline."""

    def set_on_late(self, on_late: Callable[[Notification], None]) -> None: ...
