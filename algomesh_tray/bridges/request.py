"""What a bridge sends: one HTTP POST of JSON, and the text helpers the services share. No Qt."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from ..util.formatting import safe_text

__all__ = ["BridgeRequest", "iso_time", "safe_lines"]


@dataclass(frozen=True, slots=True)
class BridgeRequest:
    """One HTTP POST of JSON; the URL, the headers and the payload may hold a secret and are never logged."""

    url: str
    payload: dict[str, Any]
    #: Extra request headers (an access token: ntfy's Authorization, Gotify's X-Gotify-Key).
    headers: dict[str, str] = field(default_factory=dict)
    #: The secrets it carries, blotted out of any answer quoted back to the user.
    secrets: tuple[str, ...] = ()


def iso_time(when: float) -> str:
    """UTC, as the services' timestamps are written: '2026-12-03T07:52:24Z'."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(when))


def safe_lines(text: str, limit: int) -> str:
    """As ``safe_text``, but the line breaks an alert is written with stay line breaks."""
    kept = "\n".join(safe_text(line) for line in text.split("\n"))
    return kept if len(kept) <= limit else kept[: limit - 1] + "…"
