"""Trades written out for people and spreadsheets: CSV (made safe to open and print) and JSON
(lossless). No Qt, no SQLite: records or rows in, text out, one at a time, so any iterable
streams in constant memory."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Protocol, TextIO

from ..feed.records import TradeRecord
from ..util.formatting import BIDI_CONTROLS, safe_text

__all__ = ["EXPORT_COLUMNS", "EXPORT_FIELDS", "TextSink", "write_csv", "write_csv_file", "write_csv_rows", "write_json"]

#: Columns of an export, named as the engine names its fields, plus the log's own.
EXPORT_FIELDS = ("id", "receivedAt", "engine", "strategyName", "symbol", "action", "amount", "sizeType", "price",
                 "orderType", "tradeType", "status")  # fmt: skip
#: The trade log's columns in EXPORT_FIELDS order, for write_csv_rows.
EXPORT_COLUMNS = (
    "id, received_at, engine, strategy, symbol, action, amount, size_type, price, order_type, trade_type, status"
)


class TextSink(Protocol):
    """Where write_csv_rows writes: a text file, or anything else that takes text."""

    def write(self, text: str, /) -> object: ...


def _cell(value: object) -> object:
    """Feed text made safe to print (control and bidi characters replaced, never shortened) and
    kept as text where a spreadsheet would run it as a formula (=, +, -, @)."""
    if not isinstance(value, str):
        return value
    if value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        value = "'" + value
    return safe_text(value)


def write_csv(records: Iterable[TradeRecord], stream: TextIO) -> int:
    """Records as CSV with a header row; safe to open in a spreadsheet or print to a terminal.
    Returns how many were written.

    Control and direction characters become U+FFFD; the lossless export is write_json.
    """
    return write_csv_rows((tuple(record.as_dict().values()) for record in records), stream)


def write_csv_file(records: Iterable[TradeRecord], path: Path) -> int:
    """write_csv to the file at ``path`` (created, or replaced); returns how many were written."""
    with path.open("w", encoding="utf-8", newline="") as stream:
        return write_csv(records, stream)


def write_csv_rows(rows: Iterable[Sequence[Any]], stream: TextSink, *, header: bool = True) -> int:
    """Rows of EXPORT_COLUMNS as write_csv writes records, fast enough for millions: each distinct
    text of a log (names, actions) is made safe and CSV-quoted once, numbers are written as the csv
    module writes them (``str``), and lines go out a thousand at a time. The same bytes as
    ``csv.writer`` over the safe cells (tests/unit/log/test_export.py), at about three times the speed.
    ``header=False`` leaves out the header row, for the rows that go on from an earlier call."""
    if header:
        stream.write(_csv_line(EXPORT_FIELDS))
    texts: dict[object, str] = {}
    get = texts.get

    def text(value: object) -> str:
        if len(texts) > 50_000:  # a feed of ever-new texts: start over rather than grow forever
            texts.clear()
        made = texts[value] = _csv_field(_cell(value))
        return made

    def number(value: object) -> str:
        return str(value) if type(value) is float or type(value) is int else _csv_field(_cell(value))

    count = 0
    lines: list[str] = []
    for row_id, at, engine, strategy, symbol, action, amount, size, price, order, trade, status in rows:
        if type(row_id) is int and type(at) is float and type(amount) is float and type(price) is float:
            row_id, at, amount, price = str(row_id), repr(at), repr(amount), repr(price)  # as csv's str()
        else:  # a hand-edited row
            row_id, at, amount, price = number(row_id), number(at), number(amount), number(price)
        lines.append(f"{row_id},{at},{get(engine) or text(engine)},{get(strategy) or text(strategy)},"
                     f"{get(symbol) or text(symbol)},{get(action) or text(action)},{amount},"
                     f"{get(size) or text(size)},{price},{get(order) or text(order)},"
                     f"{get(trade) or text(trade)},{get(status) or text(status)}\n")  # fmt: skip
        count += 1
        if len(lines) == 1000:
            stream.write("".join(lines))
            lines.clear()
    stream.write("".join(lines))
    return count


def _csv_field(value: object) -> str:
    """One cell exactly as csv.writer (minimal quoting, "\\n" lines) writes it among others."""
    if value is None or value == "":
        return ""  # alone on a line csv writes "" (an empty line would be no row); among others, nothing
    return _csv_line((value,))[:-1]


def _csv_line(values: Sequence[object]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(values)
    return buffer.getvalue()


#: Characters json leaves raw that a terminal would act on (DEL, C1 controls, direction overrides);
#: they can only occur inside strings, where \uXXXX reads back the same.
_JSON_ESCAPES = {code: f"\\u{code:04x}" for code in [0x7F, *range(0x80, 0xA0), *map(ord, BIDI_CONTROLS)]}


def write_json(records: Iterable[TradeRecord], stream: TextIO) -> int:
    """Records as a JSON array, exactly as logged, one record at a time (the text is what
    json.dumps(list, indent=2) gives); json escapes C0 controls, we escape the rest."""
    count = 0
    for count, record in enumerate(records, start=1):
        text = json.dumps(record.as_dict(), indent=2, ensure_ascii=False).replace("\n", "\n  ")
        stream.write(("[\n  " if count == 1 else ",\n  ") + text.translate(_JSON_ESCAPES))
    stream.write("\n]\n" if count else "[]\n")
    return count
