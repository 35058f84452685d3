"""Notification rules and quiet hours: which signals pop up, which stay silent, which ring. No Qt.

Rules are lines a trader can read and write, first match wins, everything else notifies:

    trade paper: silent
    strategy BTC_Momentum_Scalp: sound
    symbol ETHUSDT: notify

Fields: strategy, symbol, action, trade (live/paper), status. Values compare without case.
Quiet hours ("22:00-07:00") silence popups for that time each day; the log and table still fill.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Final

from ..feed.protocol import StrategySignal

__all__ = ["OUTCOMES", "RULE_FIELDS", "Rule", "RulesError", "outcome_for", "parse_quiet_hours", "parse_rules",
           "quiet_hours_end"]  # fmt: skip

RULE_FIELDS: Final = {
    "strategy": "strategy_name",
    "symbol": "symbol",
    "action": "action",
    "trade": "trade_type",
    "status": "status",
}
OUTCOMES: Final = ("notify", "silent", "sound")
_LINE: Final = re.compile(r"(?P<field>\w+)\s+(?P<value>.+?)\s*:\s*(?P<outcome>\w+)")
_QUIET: Final = re.compile(r"(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})")


class RulesError(ValueError):
    """A rule or quiet-hours text that cannot be used; says which line and why."""


@dataclass(frozen=True, slots=True)
class Rule:
    field: str  # a key of RULE_FIELDS
    value: str  # lower case
    outcome: str  # one of OUTCOMES

    def matches(self, signal: StrategySignal) -> bool:
        return str(getattr(signal, RULE_FIELDS[self.field])).lower() == self.value


def parse_rules(text: str) -> tuple[Rule, ...]:
    """Rules from their text; blank lines and lines starting with # are ignored."""
    rules = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        match = _LINE.fullmatch(line)
        if match is None:
            raise RulesError(f"Rule line {number}: write it as 'field value: outcome', e.g. 'trade paper: silent'.")
        field, value, outcome = match["field"].lower(), match["value"].strip().lower(), match["outcome"].lower()
        if field not in RULE_FIELDS:
            raise RulesError(f"Rule line {number}: '{field}' is not one of {', '.join(RULE_FIELDS)}.")
        if outcome not in OUTCOMES:
            raise RulesError(f"Rule line {number}: '{outcome}' is not one of {', '.join(OUTCOMES)}.")
        rules.append(Rule(field, value, outcome))
    return tuple(rules)


def outcome_for(signal: StrategySignal, rules: tuple[Rule, ...]) -> str:
    """The first matching rule's outcome; 'notify' when none matches."""
    return next((rule.outcome for rule in rules if rule.matches(signal)), "notify")


def parse_quiet_hours(text: str) -> tuple[time, time] | None:
    """'22:00-07:00' -> (22:00, 07:00); '' -> None (no quiet hours)."""
    text = text.strip()
    if not text:
        return None
    match = _QUIET.fullmatch(text)
    if match is None:
        raise RulesError("Quiet hours: write them as 22:00-07:00, or leave empty.")
    start_hour, start_minute, end_hour, end_minute = (int(part) for part in match.groups())
    try:
        start, end = time(start_hour, start_minute), time(end_hour, end_minute)
    except ValueError:
        raise RulesError("Quiet hours: hours go from 0 to 23, minutes from 0 to 59.") from None
    if start == end:
        raise RulesError("Quiet hours: the start and the end are the same.")
    return start, end


def quiet_hours_end(hours: tuple[time, time] | None, now: datetime) -> datetime | None:
    """When the quiet hours ``now`` is in end, or None outside them (spans midnight if start > end)."""
    if hours is None:
        return None
    start, end = hours
    clock = now.time().replace(tzinfo=None)
    inside = start <= clock < end if start < end else clock >= start or clock < end
    if not inside:
        return None
    ends = datetime.combine(now.date(), end, tzinfo=now.tzinfo)
    return ends if ends > now else ends + timedelta(days=1)
