"""Trades written out for people and spreadsheets: CSV (made safe to open and print) and JSON
(lossless). No Qt, no SQLite: records in, text out."""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from typing import TextIO

from .formatting import BIDI_CONTROLS, safe_text
from .records import TradeRecord

__all__ = ["EXPORT_FIELDS", "write_csv", "write_json"]

#: Columns of an export, named as the engine names its fields, plus the log's own.
EXPORT_FIELDS = ("id", "receivedAt", "strategyName", "symbol", "action", "amount", "sizeType", "price",
                 "orderType", "tradeType", "status")  # fmt: skip


def _cell(value: object) -> object:
    """Feed text made safe to print (control and bidi characters replaced, never shortened) and
    kept as text where a spreadsheet would run it as a formula (=, +, -, @)."""
    if not isinstance(value, str):
        return value
    if value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        value = "'" + value
    return safe_text(value)


def write_csv(records: Sequence[TradeRecord], stream: TextIO) -> None:
    """Records as CSV with a header row; safe to open in a spreadsheet or print to a terminal.

    Control and direction characters become U+FFFD; the lossless export is write_json.
    """
    writer = csv.DictWriter(stream, fieldnames=EXPORT_FIELDS, lineterminator="\n")
    writer.writeheader()
    for record in records:
        writer.writerow({key: _cell(value) for key, value in record.as_dict().items()})


#: Characters json leaves raw that a terminal would act on (DEL, C1 controls, direction overrides);
#: they can only occur inside strings, where \uXXXX reads back the same.
_JSON_ESCAPES = {code: f"\\u{code:04x}" for code in [0x7F, *range(0x80, 0xA0), *map(ord, BIDI_CONTROLS)]}


def write_json(records: Sequence[TradeRecord], stream: TextIO) -> None:
    """Records as a JSON array, exactly as logged; json escapes C0 controls, we escape the rest."""
    text = json.dumps([record.as_dict() for record in records], indent=2, ensure_ascii=False)
    stream.write(text.translate(_JSON_ESCAPES) + "\n")
