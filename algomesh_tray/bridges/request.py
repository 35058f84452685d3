"""What a bridge sends: one HTTP POST of JSON, and the text helpers the services share. No Qt."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..util.formatting import safe_text

if TYPE_CHECKING:
    pass

__all__ = ["BridgeRequest"]


@dataclass(frozen=True, slots=True)
class BridgeRequest:
    """One HTTP POST of JSON; the URL may hold a secret and is never logged."""

    url: str
    payload: dict[str, Any]


def _iso_time(when: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(when))


def _safe_lines(text: str, limit: int) -> str:
    """As ``safe_text``, but the line breaks an alert is written with stay line breaks."""
    kept = "\n".join(safe_text(line) for line in text.split("\n"))
    return kept if len(kept) <= limit else kept[: limit - 1] + "…"
