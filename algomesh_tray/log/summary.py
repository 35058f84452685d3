"""Per strategy and symbol: how many signals, buys and sells, volume, last price, last seen,
today and all time. No Qt: the dashboard's model reads these, the trade log fills them.

Volume is summed per size type: 0.05 percent and 0.05 of a coin are not the same 0.05, so they are
never added together.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from ..feed.records import RejectedRecord, TradeRecord
from ..util.days import start_of_today, start_of_tomorrow
from .totals import LogTotals

__all__ = ["Summary", "SummaryRow"]


@dataclass(slots=True)
class SummaryRow:
    strategy: str
    symbol: str
    signals: int = 0
    buys: int = 0
    sells: int = 0
    volume: dict[str, float] = field(default_factory=dict)  # size type -> summed amount
    today_signals: int = 0
    today_volume: dict[str, float] = field(default_factory=dict)
    last_price: float = 0.0
    last_seen: float = 0.0
    rejected: int = 0  # signals of this market the app refused
    today_rejected: int = 0
    last_rejection: str = ""

    def add(self, record: TradeRecord, today_starts: float) -> None:
        signal = record.signal
        self.signals += 1
        self.buys += signal.action == "BUY"
        self.sells += signal.action == "SELL"
        _add_volume(self.volume, signal.size_type, signal.amount)
        if record.received_at >= today_starts:
            self.today_signals += 1
            _add_volume(self.today_volume, signal.size_type, signal.amount)
        if record.received_at >= self.last_seen:
            self.last_seen = record.received_at
            self.last_price = signal.price


def _add_volume(volume: dict[str, float], size_type: str, amount: float) -> None:
    volume[size_type] = volume.get(size_type, 0.0) + amount


class Summary:
    """Rows keyed by (strategy, symbol), in the order first seen; ``add`` says which row changed."""

    def __init__(self, *, today_starts: float | None = None) -> None:
        self.today_starts = start_of_today() if today_starts is None else today_starts
        self.rows: list[SummaryRow] = []
        self._index: dict[tuple[str, str], int] = {}

    def add(self, record: TradeRecord) -> tuple[int, bool]:
        """Count a record; returns (row number, whether the row is new)."""
        row, created = self._row_for(record.signal.strategy_name, record.signal.symbol)
        self.rows[row].add(record, self.today_starts)
        return row, created

    def add_rejected(self, record: RejectedRecord) -> tuple[int, bool]:
        """Count a rejected signal against its market; returns (row number, whether the row is new)."""
        rejected = record.rejected
        row_number, created = self._row_for(rejected.strategy, rejected.symbol)
        row = self.rows[row_number]
        row.rejected += 1
        row.today_rejected += rejected.received_at >= self.today_starts
        row.last_rejection = rejected.reason
        return row_number, created

    def _row_for(self, strategy: str, symbol: str) -> tuple[int, bool]:
        """The row number of a market, added if new; and whether it is new."""
        key = (strategy, symbol)
        row = self._index.get(key)
        if row is not None:
            return row, False
        row = self._index[key] = len(self.rows)
        self.rows.append(SummaryRow(strategy, symbol))
        return row, True

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
            row.today_signals, row.today_volume, row.today_rejected = 0, {}, 0
        return True

    def add_all(self, records: Iterable[TradeRecord]) -> None:
        for record in records:
            self.add(record)

    @classmethod
    def from_totals(cls, totals: LogTotals, *, today_starts: float) -> Summary:
        """From TradeLog.market_totals: trades per market and size type, markets in the order first
        seen, then rejected signals per market."""
        summary = cls(today_starts=today_starts)
        last_ids: dict[int, int] = {}  # row -> id of the newest record counted, whose price is the last
        for total in totals.markets:
            row_number, _ = summary._row_for(total.strategy, total.symbol)
            row = summary.rows[row_number]
            row.signals += total.signals
            row.buys += total.buys
            row.sells += total.sells
            row.volume[total.size_type] = total.volume
            if total.today_signals:
                row.today_signals += total.today_signals
                row.today_volume[total.size_type] = total.today_volume
            row.last_seen = max(row.last_seen, total.last_seen)
            if total.last_id > last_ids.get(row_number, 0):
                last_ids[row_number], row.last_price = total.last_id, total.last_price
        for rejected in totals.rejected:
            row = summary.rows[summary._row_for(rejected.strategy, rejected.symbol)[0]]
            row.rejected, row.today_rejected, row.last_rejection = (
                rejected.rejected, rejected.today_rejected, rejected.last_reason
            )  # fmt: skip
        return summary
