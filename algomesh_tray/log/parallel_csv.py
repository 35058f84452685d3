"""``history --format csv`` of a whole log written by two processes, since formatting, not SQLite,
bounds its speed (about 6 µs a row in Python, 0.3 µs in SQLite) and most machines have two cores.

The query is cut into slices of the time index (``time_slices``). A helper process writes every
other slice into a pipe; the command writes its own slices and, between them, copies the helper's
in order. The output is the same text one process writes, first row at once, in constant memory:
the helper runs at most one slice (and the pipe's capacity) ahead.

The helper is forked before the command opens the log, because SQLite's locks must not cross a
fork; it reads from its own connection, held to the command's snapshot by the newest id the
command sends it (the app only appends). POSIX only: elsewhere ``start`` gives None and one
process writes everything.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import struct
from dataclasses import replace
from pathlib import Path
from typing import BinaryIO, TextIO

from .export import EXPORT_COLUMNS, write_csv_rows
from .query import TradeQuery, iter_rows, time_slices
from .read_only import connect_read_only

__all__ = ["SLICE_ROWS", "CsvPair"]

#: Rows per slice: about 0.8 MB of CSV, so that a slice fits the pipe (widened to 1 MB where allowed)
#: and the helper writes a whole slice while the command writes one.
SLICE_ROWS = 8192
_PIPE_BYTES = 1 << 20
#: A frame: its kind and the length of what follows.
_FRAME = struct.Struct(">BI")
_TEXT, _SLICE_END, _FAILED = 0, 1, 2


class CsvPair:
    """The command's side: a forked helper, then ``write_csv`` from the command's own connection."""

    def __init__(self, pid: int, control: int, frames: BinaryIO) -> None:
        self.helper_pid = pid
        self._control: int | None = control
        self._frames = frames

    @classmethod
    def start(cls, trade_log: Path, query: TradeQuery) -> CsvPair | None:
        """Fork the helper (before any SQLite connection exists in this process); None where
        processes cannot fork, or the system refuses one more."""
        if not hasattr(os, "fork"):
            return None
        import fcntl  # POSIX only, as fork

        control_read, control_write = os.pipe()
        frames_read, frames_write = os.pipe()
        with contextlib.suppress(OSError, AttributeError):  # a pipe of 64 kB works too, with less overlap
            fcntl.fcntl(frames_write, fcntl.F_SETPIPE_SZ, _PIPE_BYTES)
        try:
            pid = os.fork()
        except OSError:
            for end in (control_read, control_write, frames_read, frames_write):
                os.close(end)
            return None
        if pid == 0:  # the helper: never returns, and runs none of the command's clean-up
            code = 1
            try:
                os.close(control_write)
                os.close(frames_read)
                code = _helper(control_read, frames_write, trade_log, query)
            finally:
                os._exit(code)
        os.close(control_read)
        os.close(frames_write)
        return cls(pid, control_write, open(frames_read, "rb"))

    def write_csv(self, db: sqlite3.Connection, query: TradeQuery, stream: TextIO) -> None:
        """Every row ``query`` matches in ``db``'s read transaction, as CSV with its header, to ``stream``."""
        (newest,) = db.execute("SELECT coalesce(max(id), 0) FROM trades").fetchone()
        assert self._control is not None
        os.write(self._control, struct.pack(">q", newest))
        os.close(self._control)
        self._control = None
        query = replace(query, newest_id=newest)
        for number, piece in enumerate(time_slices(db, query, SLICE_ROWS)):
            if number % 2 == 0:
                write_csv_rows(iter_rows(db, piece, columns=EXPORT_COLUMNS), stream, header=number == 0)
            else:
                self._copy_slice(stream)

    def _copy_slice(self, stream: TextIO) -> None:
        while True:
            head = self._frames.read(_FRAME.size)
            if len(head) < _FRAME.size:
                raise sqlite3.DatabaseError("the second process reading it stopped before the end")
            kind, length = _FRAME.unpack(head)
            body = self._frames.read(length).decode()
            if kind == _SLICE_END:
                return
            if kind == _FAILED:
                raise sqlite3.DatabaseError(body)
            stream.write(body)

    def close(self) -> None:
        """Stop the helper where it is (it sees its pipes closed) and wait for it."""
        if self._control is not None:
            os.close(self._control)
            self._control = None
        self._frames.close()
        os.waitpid(self.helper_pid, 0)


class _Frames:
    """A text stream for write_csv_rows that sends what it is given down the pipe as frames."""

    def __init__(self, pipe: BinaryIO) -> None:
        self._pipe = pipe

    def write(self, text: str) -> int:
        self._send(_TEXT, text)
        return len(text)

    def end_slice(self) -> None:
        self._send(_SLICE_END, "")
        self._pipe.flush()

    def fail(self, reason: str) -> None:
        self._send(_FAILED, reason)
        self._pipe.flush()

    def _send(self, kind: int, text: str) -> None:
        data = text.encode()
        self._pipe.write(_FRAME.pack(kind, len(data)) + data)


def _helper(control: int, frames_end: int, trade_log: Path, query: TradeQuery) -> int:
    """Write the odd slices of ``query`` as frames; 0 when done or told to stop, 1 on a failure."""
    with open(control, "rb") as orders, open(frames_end, "wb") as pipe:
        newest = orders.read(8)
        if len(newest) < 8:  # the command stopped before it began, or needs no help
            return 0
        frames = _Frames(pipe)
        try:
            db = connect_read_only(trade_log)
            db.execute("BEGIN")
            query = replace(query, newest_id=struct.unpack(">q", newest)[0])
            for number, piece in enumerate(time_slices(db, query, SLICE_ROWS)):
                if number % 2:
                    write_csv_rows(iter_rows(db, piece, columns=EXPORT_COLUMNS), frames, header=False)
                    frames.end_slice()
            db.close()
        except BrokenPipeError:  # the command stopped (a reader that had enough, an error of its own)
            return 0
        except (sqlite3.Error, OSError) as error:
            with contextlib.suppress(OSError):
                frames.fail(str(error))
            return 1
    return 0
