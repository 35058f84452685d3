"""Local days: "today" ends at the next local midnight, whatever daylight saving does."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from algomesh_tray.util.days import start_of_today, start_of_tomorrow


@pytest.fixture
def central_european_time() -> Iterator[None]:
    """A zone with daylight saving (a POSIX rule, so no tz database is needed)."""
    saved = time.tzname
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TZ", "CET-1CEST,M3.5.0,M10.5.0/3")
        time.tzset()
        yield
    time.tzset()
    assert time.tzname == saved


def test_today_starts_at_the_last_local_midnight() -> None:
    noon = time.mktime((2026, 11, 25, 12, 0, 0, 0, 0, -1))
    assert time.localtime(start_of_today(noon))[:6] == (2026, 11, 25, 0, 0, 0)


@pytest.mark.usefixtures("central_european_time")
@pytest.mark.parametrize(("day", "hours"), [((2026, 3, 29), 23), ((2026, 10, 25), 25), ((2026, 11, 25), 24)])
def test_tomorrow_is_the_next_local_midnight_on_daylight_saving_days(day: tuple[int, int, int], hours: int) -> None:
    midnight = time.mktime((*day, 0, 0, 0, 0, 0, -1))
    assert start_of_tomorrow(midnight) - midnight == hours * 3600
