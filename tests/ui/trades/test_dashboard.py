"""The dashboard: totals per strategy and symbol from the log, kept live, and the price chart."""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QApplication
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from algomesh_tray.feed.protocol import ReceivedSignal, RejectedSignal
from algomesh_tray.feed.records import RejectedRecord, TradeRecord
from algomesh_tray.log.totals import LogTotals
from algomesh_tray.log.tradelog import TradeLog
from algomesh_tray.qt.trades.dashboard import Column, DashboardWidget, SummaryModel
from algomesh_tray.qt.trades.trade_model import TradeTableModel, plain_tooltip
from algomesh_tray.util.days import start_of_today

from ..conftest import RecordFactory

NOTHING_LOGGED = LogTotals([], [], 0, 0)


def _as_received(record: TradeRecord) -> ReceivedSignal:
    return ReceivedSignal(record.signal, record.received_at, record.raw)


def test_totals_from_the_log_then_live_records_on_top(
    qtbot: QtBot, qtmodeltester: ModelTester, make_record: RecordFactory, tmp_path: Path
) -> None:
    """The log's totals load once; newer records add to them; records already counted are not."""
    now = time.time()
    trade_log = TradeLog(tmp_path / "trades.sqlite3")
    old = make_record(received_at=now - 3 * 86400, action="SELL", price=100.0, amount=2.0)
    today = make_record(received_at=now, price=110.0, amount=1.0)
    eth = make_record(received_at=now, strategy_name="ETH_Grid", symbol="ETHUSDT", amount=5.0)
    written = trade_log.append_many([_as_received(r) for r in (old, today, eth)])
    totals = trade_log.market_totals(start_of_today())
    assert totals.newest_trade_id == 3

    model = SummaryModel()
    model.add_records(written[2:])  # arrived live before the totals: must not count twice
    model.load_totals(totals, today_starts=start_of_today())
    qtmodeltester.check(model)
    btc = model.summary.rows[0]
    assert (btc.signals, btc.buys, btc.sells, btc.today_signals, btc.last_price) == (2, 1, 1, 1, 110.0)
    assert (btc.volume, btc.today_volume) == ({"percent": 3.0}, {"percent": 1.0})
    assert model.rowCount() == 2 and model.summary.rows[1].volume == {"percent": 5.0}
    volumes = (model.data(model.index(0, Column.VOLUME_TODAY)), model.data(model.index(0, Column.VOLUME)))
    assert volumes == ("1 (percent)", "3 (percent)")

    newer = trade_log.append_many([_as_received(make_record(received_at=now + 1, price=120.0))])
    model.add_records(newer)
    assert (btc.signals, btc.today_signals, btc.last_price) == (3, 2, 120.0)
    assert model.data(model.index(0, Column.LAST_PRICE)) == "120.00"


def test_rejected_signals_count_against_their_market_with_the_last_reason(
    qtbot: QtBot, qtmodeltester: ModelTester, make_record: RecordFactory, tmp_path: Path
) -> None:
    """From the log and live, counted once; a market with only rejected signals gets a row of its own."""
    now = time.time()
    trade_log = TradeLog(tmp_path / "trades.sqlite3")
    trade_log.append_many([_as_received(make_record(received_at=now)) for _ in range(3)])  # trade ids 1-3
    btc = ("BTC_Momentum_Scalp", "BTCUSDT")
    counted = trade_log.append_rejected([RejectedSignal(*btc, "old", now - 86400, "{}")])  # rejected number 1
    totals = trade_log.market_totals(start_of_today())
    later = trade_log.append_rejected([RejectedSignal(*btc, "field 'price' should be a number, got str", now, "{}")])

    model = SummaryModel()
    model.add_records([*counted, *later])  # handed on while the totals were read: only the later one is new
    model.load_totals(totals, today_starts=start_of_today())
    model.add_records(
        [RejectedRecord(None, RejectedSignal("Grid", "<b>XRP</b>", "not a trade action: '<B>X</B>'", now, "{}"))]
    )
    qtmodeltester.check(model)

    assert [model.data(model.index(row, Column.REJECTED)) for row in range(2)] == ["2", "1"]
    tooltips = [model.data(model.index(row, Column.REJECTED), Qt.ItemDataRole.ToolTipRole) for row in range(2)]
    assert tooltips[0] == plain_tooltip("1 today. The last one: field 'price' should be a number, got str")
    assert "&lt;B&gt;X&lt;/B&gt;" in tooltips[1] and "<B>" not in tooltips[1]  # feed text, shown as text
    columns = (Column.SYMBOL, Column.ALL_TIME, Column.LAST_PRICE, Column.LAST_SEEN)
    assert [model.data(model.index(1, column)) for column in columns] == ["<b>XRP</b>", "0", "—", "—"]


def test_volume_sorts_by_size_type_then_amount_never_by_their_sum(qtbot: QtBot, make_record: RecordFactory) -> None:
    """2 percent, 30 percent, then 0.5 of a coin: percent and quantities are not put on one scale."""
    trades = TradeTableModel()
    dashboard = DashboardWidget(trades)
    qtbot.addWidget(dashboard)
    dashboard.model.load_totals(NOTHING_LOGGED, today_starts=start_of_today())
    trades.add_records([make_record(symbol="A", size_type="quantity", amount=0.5),
                        make_record(symbol="B", size_type="percent", amount=30.0),
                        make_record(symbol="C", size_type="percent", amount=2.0)])  # fmt: skip
    dashboard.table.sortByColumn(Column.VOLUME, Qt.SortOrder.AscendingOrder)
    assert [dashboard.proxy.index(row, Column.SYMBOL).data() for row in range(3)] == ["C", "B", "A"]


def test_dashboard_follows_the_trades_table_and_charts_the_selected_market(
    qtbot: QtBot, make_record: RecordFactory
) -> None:
    """New trades update the totals; selecting a row charts that market's prices, oldest first."""
    trades = TradeTableModel()
    dashboard = DashboardWidget(trades)
    qtbot.addWidget(dashboard)
    dashboard.model.load_totals(NOTHING_LOGGED, today_starts=start_of_today())
    records = [make_record(price=100.0 + n) for n in range(3)] + [make_record(symbol="ETHUSDT", strategy_name="E")]
    trades.add_records(records)
    assert [row.signals for row in dashboard.model.summary.rows] == [3, 1]
    dashboard.table.selectRow(dashboard.proxy.mapFromSource(dashboard.model.index(0, 0)).row())
    assert dashboard.chart.market == ("BTC_Momentum_Scalp", "BTCUSDT")
    assert [r.signal.price for r in dashboard.chart.points()] == [100.0, 101.0, 102.0]
    dashboard.show()
    qtbot.waitExposed(dashboard)
    dashboard.chart.repaint()  # paints the line and markers without error


class _PaintCounter(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.paints = 0

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        self.paints += event.type() == QEvent.Type.Paint
        return False


def test_the_chart_keeps_redrawing_during_a_steady_stream(qtbot: QtBot, make_record: RecordFactory) -> None:
    """Trades every 20 ms (faster than the chart's 100 ms redraw pace) must not starve its redraws."""
    trades = TradeTableModel()
    dashboard = DashboardWidget(trades)
    qtbot.addWidget(dashboard)
    dashboard.chart.show_market("BTC_Momentum_Scalp", "BTCUSDT")
    dashboard.show()
    qtbot.waitExposed(dashboard)
    counter = _PaintCounter()
    dashboard.chart.installEventFilter(counter)
    stream = QTimer(interval=20)
    stream.timeout.connect(lambda: trades.add_records([make_record()]))
    stream.start()
    try:
        qtbot.waitUntil(lambda: counter.paints >= 3, timeout=3000)
    finally:
        stream.stop()
    assert trades.rowCount() >= 10  # it was a stream, not a single burst


def test_today_columns_start_again_after_midnight_even_on_a_quiet_feed(
    qtbot: QtBot, make_record: RecordFactory
) -> None:
    """At midnight the today figures go to 0 (the view is told), all-time stays; the next trade counts anew."""
    now = time.time()
    model = SummaryModel()
    model.load_totals(NOTHING_LOGGED, today_starts=start_of_today(now))
    model.add_records([make_record(received_at=now, amount=2.0), make_record(received_at=now, symbol="ETHUSDT")])
    assert [row.today_signals for row in model.summary.rows] == [1, 1]

    after_midnight = model.summary.today_ends + 60
    with qtbot.waitSignal(model.dataChanged) as changed:
        model.roll_over(after_midnight)
    assert (changed.args[0].row(), changed.args[1].row()) == (0, 1)
    assert [(row.today_signals, row.signals) for row in model.summary.rows] == [(0, 1), (0, 1)]
    assert model.data(model.index(0, Column.TODAY)) == "0" and model.data(model.index(0, Column.ALL_TIME)) == "1"

    model.add_records([make_record(received_at=after_midnight + 1)])
    assert (model.summary.rows[0].today_signals, model.summary.rows[0].signals) == (1, 2)


def test_columns_fit_their_contents_when_shown_and_follow_new_markets(qtbot: QtBot, make_record: RecordFactory) -> None:
    """Fitted on show, then (at most once a second) when a market with a longer name arrives."""
    trades = TradeTableModel()
    dashboard = DashboardWidget(trades)
    qtbot.addWidget(dashboard)
    dashboard.model.load_totals(NOTHING_LOGGED, today_starts=start_of_today())
    trades.add_records([make_record(strategy_name="Short")])
    dashboard.show()
    qtbot.waitExposed(dashboard)
    table = dashboard.table

    def fits() -> bool:
        return table.columnWidth(Column.STRATEGY) >= table.sizeHintForColumn(Column.STRATEGY)

    assert fits()
    narrow = table.columnWidth(Column.STRATEGY)
    trades.add_records([make_record(strategy_name="A_Much_Longer_Strategy_Name_Than_Before")])
    qtbot.waitUntil(lambda: table.columnWidth(Column.STRATEGY) > narrow, timeout=3000)
    assert fits()


def test_a_streaming_feed_changes_the_figures_twice_a_second_not_once_per_signal(
    qtbot: QtBot, make_record: RecordFactory
) -> None:
    """The sorted view re-sorts (calling Python for each comparison) on each change it is told of:
    100 signals of two markets, each in an event-loop pass of its own, tell it a few times, and the
    figures it then shows are the last ones. A new market is told at once, the rows below moved."""
    dashboard = DashboardWidget(TradeTableModel())
    qtbot.addWidget(dashboard)
    dashboard.model.load_totals(NOTHING_LOGGED, today_starts=start_of_today())
    changes: list[int] = []
    dashboard.model.dataChanged.connect(lambda top, bottom: changes.append(top.row()))
    for number in range(100):
        dashboard.model.add_records([make_record(symbol="ETHUSDT" if number % 2 else "BTCUSDT", price=float(number))])
        QApplication.processEvents()
    qtbot.waitUntil(lambda: dashboard.proxy.index(0, Column.LAST_PRICE).data() == "99.00", timeout=3000)
    assert dashboard.proxy.index(0, Column.ALL_TIME).data() == "50"
    assert len(changes) <= 6, changes
    dashboard.model.add_records([make_record(symbol="SOLUSDT", price=5.0)])
    assert dashboard.model.rowCount() == 3 and dashboard.proxy.rowCount() == 3
