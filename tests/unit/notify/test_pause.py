"""The tray menu's pause choices."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from algomesh_tray.notify.pause import pause_ends


def test_pause_choices_end_when_the_menu_says() -> None:
    """15 minutes, an hour, or the start of tomorrow (local time, across month ends)."""
    now = datetime(2026, 11, 30, 22, 50, tzinfo=timezone(timedelta(hours=1)))
    assert pause_ends("15m", now) == datetime(2026, 11, 30, 23, 5, tzinfo=now.tzinfo)
    assert pause_ends("1h", now) == datetime(2026, 11, 30, 23, 50, tzinfo=now.tzinfo)
    assert pause_ends("tomorrow", now) == datetime(2026, 12, 1, 0, 0, tzinfo=now.tzinfo)
    assert pause_ends("tomorrow", datetime(2026, 12, 31, 0, 0)) == datetime(2027, 1, 1, 0, 0)
    with pytest.raises(ValueError, match="unknown pause"):
        pause_ends("forever", now)
