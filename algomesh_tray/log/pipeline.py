"""Persist, then hand on: the order that guarantees no notified signal is missing from the log.

Signals queue up while the previous batch is being written, so a burst becomes a few
transactions instead of thousands. The writes run on one worker thread, never on the event loop
(which is also the Qt thread). Rejected signals of a known market take the same queue and are
written after each batch, best effort: they are kept for the dashboard's counts. No Qt here.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import TypeVar

from ..feed.protocol import ReceivedSignal, RejectedSignal, StrategySignal
from ..feed.records import RejectedRecord, TradeRecord
from ..util.guard import guarded
from .outbox import Outbox
from .recovery import is_damage, read_only_reason, replace_damaged
from .tradelog import TradeLog

__all__ = ["SignalPipeline"]

log = logging.getLogger(__name__)
_T = TypeVar("_T")

#: Signals kept in memory for a retry while the trade log cannot be written.
MAX_UNSAVED = 100_000


class SignalPipeline:
    """Writes signals to the trade log in batches, then calls ``on_recorded`` with each batch."""

    def __init__(
        self,
        trade_log: TradeLog,
        *,
        on_recorded: Callable[[list[TradeRecord]], None],
        on_log_error: Callable[[str], None] = lambda message: None,
        on_rejected_recorded: Callable[[list[RejectedRecord]], None] = lambda records: None,
    ) -> None:
        self._trade_log = trade_log
        self._on_recorded = guarded(on_recorded, what="handing recorded signals on", logger=log)
        self._on_log_error = guarded(on_log_error, what="telling of a trade log failure", logger=log)
        self._on_rejected_recorded = guarded(on_rejected_recorded, what="handing rejected signals on", logger=log)
        # None asks the task to stop.
        self._queue: asyncio.Queue[ReceivedSignal | RejectedSignal | None] = asyncio.Queue()
        self._unsaved: list[ReceivedSignal] = []
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="trade-log")
        self._task: asyncio.Task[None] | None = None
        self.log_healthy = True
        self._rejected_failing = False  # the log refused the last rejected signals
        self._stopping = False
        #: The bridges that are to forward a signal (the bridges' hub sets it); their outbox rows
        #: are written with the signal.
        self.route: Callable[[StrategySignal], tuple[str, ...]] = lambda signal: ()
        #: Called after signals were written (their outbox rows with them), fresh or kept from a
        #: spell of trouble: the bridges look.
        self.after_write: Callable[[], None] = lambda: None

    @property
    def trade_log(self) -> TradeLog:
        return self._trade_log

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="signal-pipeline")

    def submit(self, received: ReceivedSignal | RejectedSignal) -> None:
        """Queue a signal, or a rejected one; never blocks, never drops."""
        self._queue.put_nowait(received)

    async def run_in_writer(self, function: Callable[[], _T]) -> _T:
        """Run ``function`` on the writer thread, queued behind the writes.

        For the writer's own work (closing, replacing a damaged log). Reads for windows and the
        dashboard do not belong here: each would hold up every signal behind it; they go through
        reader.TradeLogReader, on connections of their own.
        """
        return await asyncio.get_running_loop().run_in_executor(self._writer, function)

    async def outbox(self, job: Callable[[Outbox], _T]) -> _T:
        """Run ``job`` on the outbox of the trade log in use, on the writer thread (queued behind the
        writes, so a message is never looked for before its signal is written)."""
        return await self.run_in_writer(lambda: job(self._trade_log.outbox))

    async def close(self) -> None:
        """Write what is queued, stop, and close the trade log.

        The task is asked to stop, not cancelled: a cancel in the middle of a write would lose
        the batch (neither written nor kept) or skip handing it on.
        """
        if self._task is not None:
            self._queue.put_nowait(None)
            await self._task
        await self._flush()
        await self.run_in_writer(self._trade_log.close)
        self._writer.shutdown(wait=True)

    async def _run(self) -> None:
        while not self._stopping:
            first = await self._queue.get()
            await self._flush([first])

    async def _flush(self, items: Iterable[ReceivedSignal | RejectedSignal | None] = ()) -> None:
        """Write ``items`` and what is queued: the signals (and earlier failures) in one
        transaction, then hand the new on; then the rejected ones."""
        batch = [*items, *self._drain()]
        self._stopping = self._stopping or None in batch
        await self._write_signals([item for item in batch if isinstance(item, ReceivedSignal)])
        if rejected := [item for item in batch if isinstance(item, RejectedSignal)]:
            await self._write_rejected(rejected)

    def _drain(self) -> Iterator[ReceivedSignal | RejectedSignal | None]:
        while not self._queue.empty():
            yield self._queue.get_nowait()

    async def _write_signals(self, fresh: list[ReceivedSignal]) -> None:
        """Signals (and earlier failures) in one transaction, then the new handed on."""
        retried = self._unsaved
        pending = retried + fresh
        if not pending:
            return
        try:
            written: list[TradeRecord | None] = list(await self._append(pending))
        except (sqlite3.OperationalError, OSError) as error:  # disk full, read-only, locked: keep, retry later
            self._unsaved = pending[-MAX_UNSAVED:]
            if len(pending) > MAX_UNSAVED:
                log.error("%d signals kept in memory were dropped: the trade log has been failing too long",
                          len(pending) - MAX_UNSAVED)  # fmt: skip
            if self.log_healthy:
                log.error("cannot write the trade log %s: %s", self._trade_log.path, error)
                path = self._trade_log.path
                reason = (read_only_reason(path, error) if path is not None else None) or error
                self._on_log_error(f"The trade log cannot be written ({reason}). Signals are kept in memory.")
            self.log_healthy = False
            if fresh:
                self._on_recorded([TradeRecord.unsaved(received) for received in fresh])
            return
        except Exception:  # a record SQLite will never take must not hold back the others
            written = await self._write_one_by_one(pending)
        self._unsaved = []
        self.after_write()
        if not self.log_healthy:
            log.info("trade log writable again; %d kept signals written", len(retried))
            self.log_healthy = True
        if fresh:
            self._on_recorded(
                [
                    record or TradeRecord.unsaved(received)
                    for record, received in zip(written[len(retried) :], fresh, strict=True)
                ]
            )

    async def _write_rejected(self, rejected: list[RejectedSignal]) -> None:
        """Best effort: they are counted on screen either way. While the signals cannot be written
        these are not tried (each try may wait seconds on a locked log), and the user already knows."""
        records = [RejectedRecord(None, item) for item in rejected]
        if self.log_healthy:
            try:
                records = await self.run_in_writer(partial(self._trade_log.append_rejected, rejected))
                self._rejected_failing = False
            except (sqlite3.Error, OSError) as error:
                if not self._rejected_failing:  # one line per spell of trouble, not one per batch
                    log.error("rejected signals cannot be counted in the trade log: %s", error)
                self._rejected_failing = True
        self._on_rejected_recorded(records)

    async def _append(self, pending: list[ReceivedSignal]) -> list[TradeRecord]:
        """Write a batch; a log found damaged is moved aside and the batch goes to a new one."""
        try:
            return await self.run_in_writer(partial(self._trade_log.append_many, pending, self._routes(pending)))
        except sqlite3.DatabaseError as error:
            if not is_damage(error) or self._trade_log.path is None:
                raise
            log.error("the trade log %s is damaged: %s", self._trade_log.path, error)
            self._trade_log, message = await self.run_in_writer(partial(replace_damaged, self._trade_log, error))
            self._on_log_error(message)
        return await self.run_in_writer(partial(self._trade_log.append_many, pending, self._routes(pending)))

    def _routes(self, pending: list[ReceivedSignal]) -> list[tuple[str, ...]]:
        try:
            return [self.route(received.signal) for received in pending]
        except Exception:  # a bug in routing must not keep signals out of the log
            log.exception("choosing the bridges for %d signals failed; they are logged but not forwarded", len(pending))
            return [() for _ in pending]

    async def _write_one_by_one(self, pending: list[ReceivedSignal]) -> list[TradeRecord | None]:
        """Each record in its own transaction; those that fail are logged, reported once, and left out."""
        written: list[TradeRecord | None] = []
        failures: list[Exception] = []
        for received in pending:
            try:
                (record,) = await self.run_in_writer(
                    partial(self._trade_log.append_many, [received], self._routes([received]))
                )
            except Exception as error:
                log.error("a signal could not be stored and was left out of the trade log: %r", error)
                failures.append(error)
                record = None
            written.append(record)
        if failures:
            count = "A signal" if len(failures) == 1 else f"{len(failures)} signals"
            self._on_log_error(f"{count} could not be stored in the trade log ({failures[-1]}); still shown.")
        return written
