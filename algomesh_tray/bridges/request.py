"""What a bridge sends: one HTTP POST of JSON, the notices besides trades, and the text helpers the
services share. No Qt."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from ..util.formatting import safe_text

if TYPE_CHECKING:
    from ..feed.outage import EngineAlert

__all__ = ["BridgeRequest", "Notice", "iso_time", "safe_lines"]


@dataclass(frozen=True, slots=True)
class BridgeRequest:
    """One HTTP POST of JSON; the URL, the headers and the payload may hold a secret and are never logged."""

    url: str
    payload: dict[str, Any]
    #: Extra request headers, never logged (an access token: ntfy's Authorization, Gotify's X-Gotify-Key).
    headers: dict[str, str] = field(default_factory=dict)
    #: The secrets it carries, blotted out of any answer quoted back to the user.
    secrets: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Notice:
    """A message that is not a trade: an engine alert ("down", "up") or the bridge's own note (a
    backlog it did not forward). Kept whole in the outbox (``as_dict``)."""

    kind: Literal["down", "up", "note"]
    title: str
    body: str
    #: When it began: the outage's start (wall clock); for a note, its first message.
    since: float

    @classmethod
    def from_alert(cls, alert: EngineAlert) -> Notice:
        return cls(alert.kind, alert.title, alert.body, alert.since)

    @classmethod
    def from_dict(cls, fields: dict[str, Any]) -> Notice:
        kind = fields.get("kind")
        return cls(kind if kind in ("down", "up") else "note", str(fields.get("title", "")),
                   str(fields.get("body", "")), float(fields.get("since", 0.0)))  # fmt: skip

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def iso_time(when: float) -> str:
    """UTC, as the services' timestamps are written: '2026-12-03T07:52:24Z'."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(when))


def safe_lines(text: str, limit: int) -> str:
    """As ``safe_text``, but the line breaks an alert is written with stay line breaks."""
    kept = "\n".join(safe_text(line) for line in text.split("\n"))
    return kept if len(kept) <= limit else kept[: limit - 1] + "…"
