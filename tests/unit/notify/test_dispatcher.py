"""Notification policy above the backends: pause, storm folding into summaries, switching backends."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from algomesh_tray.feed.protocol import StrategySignal, parse_frame
from algomesh_tray.feed.records import TradeRecord
from algomesh_tray.notify.dispatcher import MAX_POPUP_DELAY, SUMMARY_TAG, NotificationDispatcher
from algomesh_tray.notify.notification import Notification

from ..conftest import example_frame, wait_until

#: A storm window short enough to wait for, long enough that a burst lands in one window.
WINDOW = 0.05


def record(number: int, strategy: str = "BTC_Momentum_Scalp") -> TradeRecord:
    """A logged record of the example signal with its own id and strategy."""
    signal = parse_frame(example_frame(strategyName=strategy))
    assert isinstance(signal, StrategySignal)
    return TradeRecord(number, 1_700_000_000.0 + number, signal, "{}")


class RecordingNotifier:
    """The smallest Notifier: remembers what it was asked to show."""

    def __init__(self) -> None:
        self.shown: list[Notification] = []
        self.closed = False

    def show(self, notification: Notification) -> None:
        self.shown.append(notification)

    def close(self) -> None:
        self.closed = True


Scenario = Callable[[NotificationDispatcher, RecordingNotifier], Awaitable[None]]


def run_dispatcher(scenario: Scenario, *, max_popups: int = 5, window: float = WINDOW) -> None:
    """Run ``scenario`` on a fresh event loop with a dispatcher over a RecordingNotifier."""

    async def main() -> None:
        notifier = RecordingNotifier()
        await scenario(NotificationDispatcher(notifier, max_popups=max_popups, window=window), notifier)

    asyncio.run(main())


def test_each_signal_becomes_a_popup_at_a_traders_pace() -> None:
    """Below the storm limit every record gets its own popup, carrying its record for clicks."""

    async def scenario(dispatcher: NotificationDispatcher, notifier: RecordingNotifier) -> None:
        dispatcher.dispatch([record(1), record(2)])
        assert [n.record for n in notifier.shown] == [record(1), record(2)]
        assert notifier.shown[0] == Notification.for_record(record(1))
        assert notifier.shown[0].title == "BUY BTCUSDT"
        assert dispatcher.shown == 2 and dispatcher.summarised == 0

    run_dispatcher(scenario)


def test_on_shown_hears_of_every_popup() -> None:
    """The tray's 'last notification' and tests learn of each popup the backend was given."""

    async def main() -> list[Notification]:
        heard: list[Notification] = []
        dispatcher = NotificationDispatcher(RecordingNotifier(), on_shown=heard.append)
        dispatcher.dispatch([record(1)])
        return heard

    assert [n.record for n in asyncio.run(main())] == [record(1)]


def test_paused_means_no_popups() -> None:
    """Pause notifications: no popups, not even a summary later; unpausing shows new records again."""

    async def scenario(dispatcher: NotificationDispatcher, notifier: RecordingNotifier) -> None:
        dispatcher.paused = True
        dispatcher.dispatch([record(n) for n in range(20)])
        assert notifier.shown == [] and dispatcher.shown == 0
        dispatcher.paused = False
        dispatcher.dispatch([record(21)])
        assert [n.record for n in notifier.shown] == [record(21)]

    run_dispatcher(scenario)


def test_a_burst_of_1000_is_folded_into_one_summary() -> None:
    """Past max_popups in a window the rest become one summary naming strategies with ×counts."""

    async def scenario(dispatcher: NotificationDispatcher, notifier: RecordingNotifier) -> None:
        burst = [record(n, "BTC_Momentum_Scalp" if n % 4 else "ETH_Grid") for n in range(1000)]
        dispatcher.dispatch(burst)
        assert [n.record for n in notifier.shown] == burst[:5]
        await wait_until(lambda: len(notifier.shown) == 6)
        summary = notifier.shown[-1]
        assert summary.title == "995 more signals"
        assert summary.body == "BTC_Momentum_Scalp ×747, ETH_Grid ×248"
        assert summary.record == burst[-1]
        assert dispatcher.shown == 6 and dispatcher.summarised == 995

    run_dispatcher(scenario)


def test_records_arriving_while_held_join_the_same_summary() -> None:
    """Several dispatches within a storm window add up to one summary, not one each."""

    async def scenario(dispatcher: NotificationDispatcher, notifier: RecordingNotifier) -> None:
        dispatcher.dispatch([record(n, "A") for n in range(3)])
        dispatcher.dispatch([record(n, "B") for n in range(3, 6)])
        dispatcher.dispatch([record(6, "B")])
        assert len(notifier.shown) == 2
        await wait_until(lambda: len(notifier.shown) == 3)
        assert notifier.shown[-1].title == "5 more signals"
        assert notifier.shown[-1].body == "B ×4, A ×1"

    run_dispatcher(scenario, max_popups=2)


def test_a_single_held_record_is_shown_as_itself() -> None:
    """One record over the limit is not worth a summary: it gets its own popup when the window ends."""

    async def scenario(dispatcher: NotificationDispatcher, notifier: RecordingNotifier) -> None:
        dispatcher.dispatch([record(1), record(2), record(3)])
        assert len(notifier.shown) == 2
        await wait_until(lambda: len(notifier.shown) == 3)
        assert notifier.shown[-1] == Notification.for_record(record(3))
        assert dispatcher.summarised == 1

    run_dispatcher(scenario, max_popups=2)


def test_a_summary_names_four_strategies_at_most() -> None:
    """Many strategies: the four busiest with counts, then an ellipsis."""

    async def scenario(dispatcher: NotificationDispatcher, notifier: RecordingNotifier) -> None:
        held = [record(n, name) for n, name in enumerate("AAAAABBBBCCCDDEF", start=1)]
        dispatcher.dispatch([record(0), *held])
        await wait_until(lambda: len(notifier.shown) == 2)
        assert notifier.shown[-1].title == "16 more signals"
        assert notifier.shown[-1].body == "A ×5, B ×4, C ×3, D ×2, …"

    run_dispatcher(scenario, max_popups=1)


def test_strategy_names_in_a_summary_are_made_safe_and_short() -> None:
    """Feed text in the summary body gets the same treatment as in single popups."""

    async def scenario(dispatcher: NotificationDispatcher, notifier: RecordingNotifier) -> None:
        dispatcher.dispatch([record(0), record(1, "evil\u202e" + "x" * 100), record(2, "evil\u202e" + "x" * 100)])
        await wait_until(lambda: len(notifier.shown) == 2)
        body = notifier.shown[-1].body
        assert "\u202e" not in body and body.endswith("… ×2") and len(body) == 40 + len(" ×2")

    run_dispatcher(scenario, max_popups=1)


def test_after_a_summary_popups_resume_and_the_summary_counts_in_the_new_window() -> None:
    """A storm that goes on gives one summary per window; the summary itself uses one popup of the next."""

    async def scenario(dispatcher: NotificationDispatcher, notifier: RecordingNotifier) -> None:
        dispatcher.dispatch([record(n) for n in range(5)])  # 3 shown, 2 held
        await wait_until(lambda: len(notifier.shown) == 4)
        assert notifier.shown[-1].title == "2 more signals"
        dispatcher.dispatch([record(n) for n in range(5, 10)])  # 2 shown (the summary took one), 3 held
        assert [n.record for n in notifier.shown[4:]] == [record(5), record(6)]
        await wait_until(lambda: len(notifier.shown) == 7)
        assert notifier.shown[-1].title == "3 more signals" and notifier.shown[-1].record == record(9)
        assert dispatcher.summarised == 5

    run_dispatcher(scenario, max_popups=3)


def test_pausing_during_a_storm_drops_the_pending_summary() -> None:
    """Pause while records are held: the summary that was due is not shown."""

    async def scenario(dispatcher: NotificationDispatcher, notifier: RecordingNotifier) -> None:
        dispatcher.dispatch([record(n) for n in range(5)])
        dispatcher.paused = True
        await wait_until(lambda: not dispatcher._held, what="the summary came due")  # white-box: the timer ran
        assert len(notifier.shown) == 1 and dispatcher.summarised == 0

    run_dispatcher(scenario, max_popups=1)


def test_set_notifier_switches_backend_and_closes_the_old_one() -> None:
    """Changing the style in Settings takes effect for the next popup."""

    async def scenario(dispatcher: NotificationDispatcher, notifier: RecordingNotifier) -> None:
        replacement = RecordingNotifier()
        dispatcher.set_notifier(replacement)
        dispatcher.dispatch([record(1)])
        assert notifier.closed and not replacement.closed
        assert notifier.shown == [] and len(replacement.shown) == 1
        assert dispatcher.notifier is replacement

    run_dispatcher(scenario)


def test_a_summary_goes_to_the_backend_in_use_when_it_is_due() -> None:
    """Switching backends during a storm: the summary reaches the new one."""

    async def scenario(dispatcher: NotificationDispatcher, notifier: RecordingNotifier) -> None:
        dispatcher.dispatch([record(n) for n in range(4)])
        replacement = RecordingNotifier()
        dispatcher.set_notifier(replacement)
        await wait_until(lambda: len(replacement.shown) == 1)
        assert replacement.shown[0].title == "3 more signals" and len(notifier.shown) == 1

    run_dispatcher(scenario, max_popups=1)


def test_rules_silence_or_ring_per_signal() -> None:
    """Silent rules keep a signal out of popups; sound rules mark its popup to ring."""
    from algomesh_tray.notify.rules import parse_rules

    async def scenario(dispatcher: NotificationDispatcher, notifier: RecordingNotifier) -> None:
        dispatcher.rules = parse_rules("strategy eth_grid: silent\nstrategy btc_momentum_scalp: sound")
        dispatcher.dispatch([record(1, "ETH_Grid"), record(2), record(3, "SOL_Breakout")])
        assert [(n.record.id if n.record else None, n.sound) for n in notifier.shown] == [(2, True), (3, False)]
        assert dispatcher.silenced == 1

    run_dispatcher(scenario)


def test_quiet_hours_mean_no_popups() -> None:
    """Inside quiet hours nothing pops up (the log and table still get every signal)."""

    async def scenario(dispatcher: NotificationDispatcher, notifier: RecordingNotifier) -> None:
        now = datetime.now().astimezone()
        dispatcher.quiet_hours = ((now - timedelta(minutes=1)).time(), (now + timedelta(minutes=5)).time())
        dispatcher.dispatch([record(1)])
        assert notifier.shown == []
        dispatcher.quiet_hours = None
        dispatcher.dispatch([record(2)])
        assert len(notifier.shown) == 1

    run_dispatcher(scenario)


def fresh(number: int, strategy: str = "BTC_Momentum_Scalp", *, age: float = 0.0) -> TradeRecord:
    """A record received ``age`` seconds ago (the log's wall-clock stamp)."""
    signal = parse_frame(example_frame(strategyName=strategy))
    assert isinstance(signal, StrategySignal)
    return TradeRecord(number, time.time() - age, signal, "{}")


def test_each_popup_is_due_two_seconds_after_its_signal() -> None:
    """The deadline counts from the signal's arrival; a clock that says 'future' gives no extra time."""

    async def scenario(dispatcher: NotificationDispatcher, notifier: RecordingNotifier) -> None:
        before = time.monotonic()
        dispatcher.dispatch([fresh(1), fresh(2, age=1.5), fresh(3, age=-60), fresh(4, age=3600)])
        after = time.monotonic()
        deadlines = [n.deadline for n in notifier.shown]
        assert all(d is not None for d in deadlines)
        first, older, future, ancient = (d or 0.0 for d in deadlines)
        assert before + MAX_POPUP_DELAY <= first <= after + MAX_POPUP_DELAY
        assert before + 0.5 <= older <= after + 0.5
        assert before + MAX_POPUP_DELAY <= future <= after + MAX_POPUP_DELAY
        assert ancient <= after and notifier.shown[3].is_late(after + 0.001)

    run_dispatcher(scenario)


def test_a_popup_handed_back_late_is_counted_in_the_summary() -> None:
    """fold(): the backend could not show it in time; it joins the next summary, never shown stale."""

    async def scenario(dispatcher: NotificationDispatcher, notifier: RecordingNotifier) -> None:
        dispatcher.dispatch([fresh(n, "A") for n in range(3)])
        for late in notifier.shown[:3]:
            dispatcher.fold(late)
        await wait_until(lambda: len(notifier.shown) == 4)
        summary = notifier.shown[-1]
        assert (summary.title, summary.body, summary.replaces) == ("3 more signals", "A ×3", SUMMARY_TAG)
        assert summary.deadline is None and dispatcher.late == 3
        dispatcher.fold(summary)  # summaries have no deadline: never handed back, never folded
        dispatcher.paused = True
        dispatcher.fold(notifier.shown[0])
        assert dispatcher.late == 3 and not dispatcher._held

    run_dispatcher(scenario)


def test_summaries_of_one_storm_share_one_popup_and_count_the_whole_storm() -> None:
    """Each summary replaces the last in place (same tag); from the second on it says how many
    the storm folded since it began."""

    async def scenario(dispatcher: NotificationDispatcher, notifier: RecordingNotifier) -> None:
        dispatcher.dispatch([fresh(n) for n in range(5)])
        await wait_until(lambda: len(notifier.shown) == 2)
        dispatcher.dispatch([fresh(n) for n in range(5, 10)])
        await wait_until(lambda: len(notifier.shown) == 3)
        first, second = notifier.shown[1], notifier.shown[2]
        assert first.replaces == second.replaces == SUMMARY_TAG
        assert first.body == "BTC_Momentum_Scalp ×4"
        assert second.title == "5 more signals" and second.body.startswith("BTC_Momentum_Scalp ×5\n9 folded since ")

    run_dispatcher(scenario, max_popups=1)


def test_the_dispatcher_hands_its_fold_to_a_backend_that_reports_late_popups() -> None:
    """A backend with set_on_late (the D-Bus one) is told where to hand back late popups, also after a switch."""

    class Late(RecordingNotifier):
        def __init__(self) -> None:
            super().__init__()
            self.on_late: object = None

        def set_on_late(self, on_late: object) -> None:
            self.on_late = on_late

    async def main() -> None:
        first, second = Late(), Late()
        dispatcher = NotificationDispatcher(first)
        assert first.on_late == dispatcher.fold
        dispatcher.set_notifier(second)
        assert second.on_late == dispatcher.fold

    asyncio.run(main())
