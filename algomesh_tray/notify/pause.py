"""The tray menu's "Pause for" choices, and when each ends. No Qt (qt/pause.py runs the pause)."""

from __future__ import annotations

from datetime import datetime, timedelta

__all__ = ["PAUSE_CHOICES", "pause_ends"]

#: The tray menu's "Pause for" choices: label and how long.
PAUSE_CHOICES = {"15m": "15 minutes", "1h": "1 hour", "tomorrow": "Until tomorrow"}


def pause_ends(choice: str, now: datetime) -> datetime:
    """When a pause chosen now ends: in 15 minutes, in an hour, or at the start of tomorrow."""
    if choice == "15m":
        return now + timedelta(minutes=15)
    if choice == "1h":
        return now + timedelta(hours=1)
    if choice == "tomorrow":
        return datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), tzinfo=now.tzinfo)
    raise ValueError(f"unknown pause choice {choice!r}")
