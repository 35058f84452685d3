"""Exports: feed text that a spreadsheet or a terminal would run stays text; the CSV fast path writes
exactly what the csv module writes over the safe cells; JSON reads back exactly."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from algomesh_tray.feed.records import TradeRecord
from algomesh_tray.log.export import EXPORT_FIELDS, _cell, write_csv, write_csv_rows, write_json

from .samples import received

_TEXT = st.one_of(
    st.sampled_from(["BTC_Momentum_Scalp", "BUY", "=1+2", "-3", "@SUM(A1)", "a,b", 'say "hi"', "two\nlines", "", " x"]),
    st.text(max_size=30),
)
_NUMBER = st.one_of(st.integers(), st.floats(allow_nan=False), st.floats(allow_nan=True))
_ROW = st.tuples(
    st.integers(min_value=1), _NUMBER, _TEXT, _TEXT, _TEXT, _TEXT, _NUMBER, _TEXT, _NUMBER, _TEXT, _TEXT, _TEXT
)


def _by_the_csv_module(rows: list[tuple[object, ...]]) -> str:
    stream = io.StringIO()
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(EXPORT_FIELDS)
    writer.writerows([tuple(_cell(value) for value in row) for row in rows])
    return stream.getvalue()


@settings(max_examples=300, deadline=None)
@given(st.lists(_ROW, max_size=30))
def test_the_fast_path_writes_the_csv_modules_bytes(rows: list[tuple[object, ...]]) -> None:
    """Quotes, commas, line breaks, formula prefixes, control characters, any float: same output."""
    stream = io.StringIO()
    assert write_csv_rows(rows, stream) == len(rows)
    assert stream.getvalue() == _by_the_csv_module(rows)


def test_more_rows_than_one_chunk_and_a_null_cell() -> None:
    """Lines go out a thousand at a time; a missing value is an empty cell, as csv writes None."""
    rows = [
        (n, 1.5 * n, "VPS", "S", "BTCUSDT", "BUY", None, "percent", 2.0, "Market", "live", "EXECUTED")
        for n in range(2500)
    ]
    stream = io.StringIO()
    write_csv_rows(rows, stream)
    assert stream.getvalue() == _by_the_csv_module(rows)


def test_csv_export_keeps_formula_looking_feed_text_as_text() -> None:
    """=HYPERLINK(...) from the feed must not run when the export is opened in a spreadsheet."""
    formula = received(1, strategy='=HYPERLINK("http://example.invalid","x")')
    stream = io.StringIO()
    write_csv([TradeRecord(1, formula.received_at, formula.signal, formula.raw)], stream)
    (row,) = list(csv.DictReader(io.StringIO(stream.getvalue())))
    assert row["strategyName"] == "'" + formula.signal.strategy_name
    assert row["price"] == "101.0"


def test_json_export_is_the_records_as_the_engine_names_fields() -> None:
    """write_json gives an array of objects with EXPORT_FIELDS, numbers as numbers."""
    signal = received(1)
    stream = io.StringIO()
    write_json([TradeRecord(7, signal.received_at, signal.signal, signal.raw)], stream)
    (row,) = json.loads(stream.getvalue())
    assert tuple(row) == EXPORT_FIELDS
    assert row["id"] == 7 and row["price"] == 101.0 and row["action"] == "BUY" and row["sizeType"] == "fixed"


def test_csv_export_replaces_terminal_controls_but_keeps_the_whole_text() -> None:
    """ESC, BEL, C1, DEL, newlines and direction overrides become U+FFFD; nothing is shortened or dropped."""
    odd = received(1, strategy="\x1b]0;pwn\x07" + "\u202eName\u2069\x9b\x7f\r\n" + "y" * 300)
    stream = io.StringIO()
    write_csv([TradeRecord(1, odd.received_at, odd.signal, odd.raw)], stream)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2
    (row,) = list(csv.DictReader(io.StringIO(stream.getvalue())))
    assert row["strategyName"] == "\ufffd]0;pwn\ufffd\ufffdName\ufffd\ufffd\ufffd\ufffd\ufffd" + "y" * 300


def test_csv_export_guards_formulas_hidden_behind_a_control_character() -> None:
    """A tab or carriage return before '=' still gets the quote that keeps it text."""
    for prefix in ("\t", "\r"):
        odd = received(1)  # the parser strips edge whitespace; another writer of the log might not
        signal = replace(odd.signal, strategy_name=prefix + "=1+1")
        stream = io.StringIO()
        write_csv([TradeRecord(1, odd.received_at, signal, odd.raw)], stream)
        (row,) = list(csv.DictReader(io.StringIO(stream.getvalue())))
        assert row["strategyName"] == "'\ufffd=1+1"


def test_json_export_escapes_terminal_controls_and_reads_back_exactly() -> None:
    """DEL, C1 and direction characters are written as \\u escapes (json only escapes C0); decoding is lossless."""
    name = "\x1b]0;pwn\x07\x7f\x85\x9b\u061c\u200e\u202a\u202e\u2066\u2069 Стратегия 日本 \u00a0€"
    odd = received(1, strategy=name)
    stream = io.StringIO()
    write_json([TradeRecord(1, odd.received_at, odd.signal, odd.raw)], stream)
    text = stream.getvalue()
    assert not re.findall("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]", text)
    assert "Стратегия 日本 \u00a0€" in text
    (row,) = json.loads(text)
    assert row["strategyName"] == name
