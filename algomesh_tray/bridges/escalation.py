"""When an engine outage leaves the desk: only if nobody there answered the popup in time. No Qt.

The desktop alert comes first. A trader at the desk acknowledges it (clicking the popup, its
"I'm on it" button, or the tray menu's item) and the phones stay quiet. An outage not acknowledged
within ``after`` seconds goes to the bridges (at each service's high priority, which the services'
modules choose from the alert's kind), and those then also get the recovery. ``after`` 0 sends
outage alerts at once. The timer is the event loop's (``call_later``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from ..util.guard import guarded

if TYPE_CHECKING:
    from ..feed.outage import EngineAlert

__all__ = ["DEFAULT_ESCALATE_SECONDS", "Escalation", "Escalations"]

log = logging.getLogger(__name__)

#: Two minutes: long enough to reach the desk from the kitchen, short enough for a live strategy.
DEFAULT_ESCALATE_SECONDS = 120


class Escalation:
    """Feed it every EngineAlert (``alert``) and each acknowledgement; ``send`` gets what leaves the desk.

    ``unanswered`` is the outage alert waiting for an answer (for the tray menu), else None.
    """

    def __init__(self, *, send: Callable[[EngineAlert], None], after: float = DEFAULT_ESCALATE_SECONDS) -> None:
        self._send = guarded(send, what="sending an engine alert to the bridges", logger=log)
        self._after = after
        self._timer: asyncio.TimerHandle | None = None
        self._raised_at = 0.0  # the event loop's time of the unanswered alert
        self.unanswered: EngineAlert | None = None
        #: The bridges got this outage, so they get its recovery too.
        self.escalated = False
        self.on_change: Callable[[], None] = lambda: None

    @property
    def after(self) -> float:
        return self._after

    def set_after(self, seconds: float) -> None:
        """Settings changed the delay; an unanswered outage is judged by the new one from its alert."""
        self._after = seconds
        if self.unanswered is not None:
            self._cancel_timer()
            self._schedule()

    def alert(self, alert: EngineAlert) -> None:
        """An outage (wait for an answer, or send at once when ``after`` is 0) or a recovery."""
        if alert.kind == "down":
            self._cancel_timer()
            self.escalated = False
            if self._after <= 0:
                self._escalate(alert)
            else:
                self.unanswered = alert
                self._raised_at = asyncio.get_running_loop().time()
                self._schedule()
        else:
            self._cancel_timer()
            self.unanswered = None
            if self.escalated:
                self._send(alert)
            self.escalated = False
        self.on_change()

    def acknowledge(self) -> bool:
        """Someone at the desk answered: the outage stays on the desktop and off the phones.
        Whether there was an outage to answer."""
        if self.unanswered is None:
            return False
        log.info("engine outage acknowledged at the desk; the bridges are not told")
        self._cancel_timer()
        self.unanswered = None
        self.on_change()
        return True

    def close(self) -> None:
        self._cancel_timer()

    def _schedule(self) -> None:
        loop = asyncio.get_running_loop()
        remaining = self._raised_at + self._after - loop.time()
        self._timer = loop.call_later(max(0.0, remaining), self._on_time_up)

    def _on_time_up(self) -> None:
        self._timer = None
        alert, self.unanswered = self.unanswered, None
        if alert is not None:
            log.warning("engine outage not acknowledged within %s s: telling the bridges", self._after)
            self._escalate(alert)
            self.on_change()

    def _escalate(self, alert: EngineAlert) -> None:
        self.escalated = True
        self._send(alert)

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None


class Escalations:
    """An ``Escalation`` per engine: each engine's outage waits for its own answer and leaves the desk on
    its own timer. An answer at the desk (the popup, its button, the tray menu) answers every outage
    waiting: the trader is there, and the tray shows them all."""

    def __init__(self, *, send: Callable[[EngineAlert], None], after: float = DEFAULT_ESCALATE_SECONDS) -> None:
        self._send = send
        self._after = after
        self._engines: dict[str, Escalation] = {}
        self.on_change: Callable[[], None] = lambda: None

    @property
    def after(self) -> float:
        return self._after

    @property
    def unanswered(self) -> list[EngineAlert]:
        """The outage alerts waiting for an answer, oldest first."""
        waiting = [one.unanswered for one in self._engines.values() if one.unanswered is not None]
        return sorted(waiting, key=lambda alert: alert.since)

    def escalated(self, engine: str) -> bool:
        """Whether ``engine``'s outage went to the bridges (so its recovery does too)."""
        one = self._engines.get(engine)
        return one is not None and one.escalated

    def set_after(self, seconds: float) -> None:
        self._after = seconds
        for one in self._engines.values():
            one.set_after(seconds)

    def alert(self, alert: EngineAlert) -> None:
        one = self._engines.get(alert.engine)
        if one is None:
            one = self._engines[alert.engine] = Escalation(send=self._send, after=self._after)
            one.on_change = lambda: self.on_change()
        one.alert(alert)

    def keep_only(self, engines: Sequence[str]) -> None:
        """Forget the engines no longer watched: an outage of one waits no longer, and never
        reaches the bridges (its recovery would never come)."""
        gone = [name for name in self._engines if name not in engines]
        for name in gone:
            self._engines.pop(name).close()
        if gone:
            self.on_change()

    def acknowledge(self) -> bool:
        """Answer every outage waiting; whether there was one."""
        answered = [one.acknowledge() for one in list(self._engines.values())]
        return any(answered)

    def close(self) -> None:
        for one in self._engines.values():
            one.close()
