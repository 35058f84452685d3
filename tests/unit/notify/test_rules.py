"""Notification rules and quiet hours: parsing what a trader writes, and what it decides."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

import pytest

from algomesh_tray.feed.protocol import StrategySignal
from algomesh_tray.notify.rules import Rule, RulesError, outcome_for, parse_quiet_hours, parse_rules, quiet_hours_end

TZ = timezone(timedelta(hours=2))


def signal(**changes: str) -> StrategySignal:
    values = {"action": "BUY", "symbol": "BTCUSDT", "price": 1.0, "amount": 1.0, "size_type": "fixed",
              "order_type": "Market", "strategy_name": "BTC_Momentum_Scalp", "trade_type": "live",
              "status": "EXECUTED", **changes}  # fmt: skip
    return StrategySignal(**values)  # type: ignore[arg-type]


def test_rules_parse_with_comments_blank_lines_and_any_case() -> None:
    """'Trade PAPER : Silent' is 'trade paper: silent'; names with spaces keep them."""
    rules = parse_rules("# mine\n\nTrade PAPER : Silent\nstrategy Grid Bot 2: sound\n")
    assert rules == (Rule("trade", "paper", "silent"), Rule("strategy", "grid bot 2", "sound"))


@pytest.mark.parametrize(
    ("text", "message"),
    [("trade paper", "line 1: write it as"), ("colour red: silent", "line 1: 'colour' is not one of"),
     ("\ntrade paper: mute", "line 2: 'mute' is not one of")],
)  # fmt: skip
def test_bad_rules_say_which_line_and_why(text: str, message: str) -> None:
    """A typo names its line and lists what is allowed."""
    with pytest.raises(RulesError, match=message):
        parse_rules(text)


def test_first_matching_rule_wins_and_the_default_is_notify() -> None:
    """Order matters; anything unmatched notifies."""
    rules = parse_rules("strategy btc_momentum_scalp: sound\ntrade live: silent")
    assert outcome_for(signal(), rules) == "sound"
    assert outcome_for(signal(strategy_name="ETH_Grid"), rules) == "silent"
    assert outcome_for(signal(strategy_name="ETH_Grid", trade_type="paper"), rules) == "notify"
    assert outcome_for(signal(), ()) == "notify"


def test_quiet_hours_parse_and_reject_nonsense() -> None:
    """HH:MM-HH:MM, or empty for none."""
    assert parse_quiet_hours("") is None
    assert parse_quiet_hours("22:00-07:30") == (time(22, 0), time(7, 30))
    for bad in ("22-07", "25:00-07:00", "07:00-07:00", "evening"):
        with pytest.raises(RulesError, match="Quiet hours"):
            parse_quiet_hours(bad)


@pytest.mark.parametrize(
    ("now", "end"),
    [(datetime(2026, 11, 25, 23, 0, tzinfo=TZ), datetime(2026, 11, 26, 7, 0, tzinfo=TZ)),
     (datetime(2026, 11, 26, 6, 59, tzinfo=TZ), datetime(2026, 11, 26, 7, 0, tzinfo=TZ)),
     (datetime(2026, 11, 26, 7, 0, tzinfo=TZ), None),
     (datetime(2026, 11, 26, 12, 0, tzinfo=TZ), None)],
)  # fmt: skip
def test_quiet_hours_span_midnight(now: datetime, end: datetime | None) -> None:
    """22:00-07:00 is quiet late evening and early morning, not at 07:00 or noon."""
    assert quiet_hours_end((time(22, 0), time(7, 0)), now) == end


def test_daytime_quiet_hours() -> None:
    """12:00-13:00 is quiet at lunch only."""
    hours = (time(12, 0), time(13, 0))
    assert quiet_hours_end(hours, datetime(2026, 11, 25, 12, 30, tzinfo=TZ)) == datetime(2026, 11, 25, 13, 0, tzinfo=TZ)
    assert quiet_hours_end(hours, datetime(2026, 11, 25, 11, 59, tzinfo=TZ)) is None
