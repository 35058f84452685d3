"""Per strategy and symbol: how many signals, buys and sells, volume, last price, last seen,
today and all time. No Qt: the dashboard's model reads these, the trade log fills them."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

from .tradelog import TradeRecord

__all__ = ["Summary", "SummaryRow", "start_of_today"]


def start_of_today(now: float | None = None) -> float:
    """Unix time of the last local midnight."""
    local = time.localtime(now)
    return time.mktime((local.tm_year, local.tm_mon, local.tm_mday, 0, 0, 0, 0, 0, -1))


def start_of_tomorrow(today_starts: float) -> float:
    """The local midnight after ``today_starts``; 26 h on always lands in the next day, DST or not."""
    return start_of_today(today_starts + 26 * 3600)


@dataclass(slots=True)
class SummaryRow:
    strategy: str
    symbol: str
    signals: int = 0
    buys: int = 0
    sells: int = 0
    volume: float = 0.0
    today_signals: int = 0
    today_volume: float = 0.0
    last_price: float = 0.0
    last_seen: float = 0.0

    def add(self, record: TradeRecord, today_starts: float) -> None:
        signal = record.signal
        self.signals += 1
        self.buys += signal.action == "BUY"
        self.sells += signal.action == "SELL"
        self.volume += signal.amount
        if record.received_at >= today_starts:
            self.today_signals += 1
            self.today_volume += signal.amount
        if record.received_at >= self.last_seen:
            self.last_seen = record.received_at
            self.last_price = signal.price


class Summary:
    """Rows keyed by (strategy, symbol), in the order first seen; ``add`` says which row changed."""

    def __init__(self, *, today_starts: float | None = None) -> None:
        self.today_starts = start_of_today() if today_starts is None else today_starts
        self.rows: list[SummaryRow] = []
        self._index: dict[tuple[str, str], int] = {}

    def add(self, record: TradeRecord) -> tuple[int, bool]:
        """Count a record; returns (row number, whether the row is new)."""
        key = (record.signal.strategy_name, record.signal.symbol)
        row = self._index.get(key)
        created = row is None
        if row is None:
            row = self._index[key] = len(self.rows)
            self.rows.append(SummaryRow(*key))
        self.rows[row].add(record, self.today_starts)
        return row, created

    @property
    def today_ends(self) -> float:
        """The local midnight that ends "today"."""
        return start_of_tomorrow(self.today_starts)

    def roll_over(self, now: float) -> bool:
        """At the first call after midnight, start a new day: every row's today figures go back to 0.

        The app runs for weeks; without this "Today" would keep counting from the day the window opened.
        """
        if now < self.today_ends:
            return False
        self.today_starts = start_of_today(now)
        for row in self.rows:
            row.today_signals, row.today_volume = 0, 0.0
        return True

    def add_all(self, records: Iterable[TradeRecord]) -> None:
        for record in records:
            self.add(record)

    @classmethod
    def from_totals(cls, totals: Iterable[tuple[object, ...]], *, today_starts: float) -> Summary:
        """From TradeLog.market_totals rows."""
        summary = cls(today_starts=today_starts)
        for strategy, symbol, signals, buys, sells, volume, today, today_volume, last_seen, last_price in totals:
            summary._index[(str(strategy), str(symbol))] = len(summary.rows)
            summary.rows.append(
                SummaryRow(str(strategy), str(symbol), int(signals), int(buys), int(sells), float(volume),  # type: ignore[call-overload,arg-type]
                           int(today), float(today_volume), float(last_price), float(last_seen))  # type: ignore[call-overload,arg-type]
            )  # fmt: skip
        return summary
