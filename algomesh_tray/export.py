"""Trades written out for people and spreadsheets: CSV (made safe to open and print) and JSON
(lossless). No Qt, no SQLite: records or rows in, text out, one at a time, so any iterable
streams in constant memory."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from typing import Any, TextIO

from .formatting import BIDI_CONTROLS, safe_text
from .records import TradeRecord

__all__ = ["EXPORT_COLUMNS", "EXPORT_FIELDS", "write_csv", "write_csv_rows", "write_json"]

#: Columns of an export, named as the engine names its fields, plus the log's own.
EXPORT_FIELDS = ("id", "receivedAt", "strategyName", "symbol", "action", "amount", "sizeType", "price",
                 "orderType", "tradeType", "status")  # fmt: skip
#: The trade log's columns in EXPORT_FIELDS order, for write_csv_rows.
EXPORT_COLUMNS = "id, received_at, strategy, symbol, action, amount, size_type, price, order_type, trade_type, status"


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


def write_csv_rows(rows: Iterable[Sequence[Any]], stream: TextIO) -> int:
    """Rows of EXPORT_COLUMNS as write_csv writes records, fast enough for millions: the few
    distinct texts of a log (names, actions) are made safe once each, not once per row."""
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(EXPORT_FIELDS)
    safe: dict[object, object] = {}

    def cell(value: object) -> object:
        if len(safe) > 50_000:  # a feed of ever-new texts: start over rather than grow forever
            safe.clear()
        made = safe[value] = _cell(value)
        return made

    get = safe.get
    count = 0
    for row in rows:
        row_id, at, strategy, symbol, action, amount, size, price, order, trade, status = row
        writer.writerow((row_id, at, get(strategy) or cell(strategy), get(symbol) or cell(symbol),
                         get(action) or cell(action), amount, get(size) or cell(size), price,
                         get(order) or cell(order), get(trade) or cell(trade),
                         get(status) or cell(status)))  # fmt: skip
        count += 1
    return count


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
