"""Local days: where "today" starts and ends for the dashboard and the trade log. No Qt."""

from __future__ import annotations

import time
from functools import lru_cache

__all__ = ["local_day", "start_of_today", "start_of_tomorrow"]


def start_of_today(now: float | None = None) -> float:
    """Unix time of the last local midnight."""
    local = time.localtime(now)
    return time.mktime((local.tm_year, local.tm_mon, local.tm_mday, 0, 0, 0, 0, 0, -1))


def start_of_tomorrow(today_starts: float) -> float:
    """The local midnight after ``today_starts``; 26 h on always lands in the next day, DST or not."""
    return start_of_today(today_starts + 26 * 3600)


def local_day(when: float) -> float:
    """The local midnight starting the day of ``when``, fast enough to call for every trade: every
    time zone's midnight falls on a quarter hour, so one answer holds for a whole quarter hour."""
    return _day_of_quarter(int(when // 900))


@lru_cache(maxsize=65536)
def _day_of_quarter(quarter: int) -> float:
    return start_of_today(quarter * 900.0)
