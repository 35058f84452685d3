"""The CSV export's fast path writes exactly what the csv module writes over the safe cells."""

from __future__ import annotations

import csv
import io

from hypothesis import given, settings
from hypothesis import strategies as st

from algomesh_tray.log.export import EXPORT_FIELDS, _cell, write_csv_rows

_TEXT = st.one_of(
    st.sampled_from(["BTC_Momentum_Scalp", "BUY", "=1+2", "-3", "@SUM(A1)", "a,b", 'say "hi"', "two\nlines", "", " x"]),
    st.text(max_size=30),
)
_NUMBER = st.one_of(st.integers(), st.floats(allow_nan=False), st.floats(allow_nan=True))
_ROW = st.tuples(st.integers(min_value=1), _NUMBER, _TEXT, _TEXT, _TEXT, _NUMBER, _TEXT, _NUMBER, _TEXT, _TEXT, _TEXT)


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
        (n, 1.5 * n, "S", "BTCUSDT", "BUY", None, "percent", 2.0, "Market", "live", "EXECUTED") for n in range(2500)
    ]
    stream = io.StringIO()
    write_csv_rows(rows, stream)
    assert stream.getvalue() == _by_the_csv_module(rows)
