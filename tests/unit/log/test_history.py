"""The history command: the trade log printed as JSON, CSV or a table, from a shell, without Qt."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

from algomesh_tray.log.export import EXPORT_FIELDS
from algomesh_tray.log.tradelog import TradeLog

from .old_release import make_old_log
from .samples import received

BIN = Path(sys.executable).parent


def test_history_command_prints_json_csv_and_a_table(tmp_path: Path) -> None:
    """`algomesh-tray history` exports the log newest first in each format, with --limit."""
    trade_log = TradeLog(tmp_path / "trades.sqlite3")
    trade_log.append_many([received(n, strategy=f"S{n}") for n in range(1, 4)])
    trade_log.close()

    def history(*arguments: str) -> str:
        command = [str(BIN / "algomesh-tray"), "history", "--data-dir", str(tmp_path), *arguments]
        return subprocess.run(command, capture_output=True, text=True, check=True, timeout=30).stdout

    rows = json.loads(history("--format", "json"))
    assert [row["strategyName"] for row in rows] == ["S3", "S2", "S1"]
    assert rows[0]["price"] == 103.0 and rows[0]["receivedAt"] == 1_700_000_003.0
    table = list(csv.DictReader(io.StringIO(history("--format", "csv", "--limit", "2"))))
    assert [row["strategyName"] for row in table] == ["S3", "S2"]
    text = history().splitlines()
    assert len(text) == 3 and "BUY" in text[0] and "103.00" in text[0] and "S3" in text[0]


def test_history_on_a_new_machine_says_there_is_no_log_yet(tmp_path: Path) -> None:
    """No trade log yet: a message on stderr, an empty export, exit 0."""
    command = [str(BIN / "algomesh-tray"), "history", "--data-dir", str(tmp_path / "none"), "--format", "json"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=30)
    assert result.returncode == 0 and json.loads(result.stdout) == [] and "No trade log yet" in result.stderr


def test_history_does_not_import_qt(tmp_path: Path) -> None:
    """The history command never imports Qt (it must work over SSH, without a display)."""
    TradeLog(tmp_path / "trades.sqlite3").append_many([received(1)])
    code = (
        "import sys; from algomesh_tray.cli import main; main(['history', '--data-dir', sys.argv[1]]);"
        "assert not [m for m in sys.modules if m.startswith('PySide6')], 'Qt was imported'"
    )
    subprocess.run([sys.executable, "-c", code, str(tmp_path)], check=True, capture_output=True, timeout=30)


def _history(data_dir: Path, *arguments: str) -> str:
    command = [str(BIN / "algomesh-tray"), "history", "--data-dir", str(data_dir), *arguments]
    return subprocess.run(command, capture_output=True, text=True, check=True, timeout=60).stdout


def test_history_engine_shows_one_engines_trades_in_every_format(tmp_path: Path) -> None:
    """`history --engine VPS` (any case) keeps VPS's trades; JSON, CSV and the table name the engine."""
    trade_log = TradeLog(tmp_path / "trades.sqlite3")
    trade_log.append_many([received(n, engine="VPS" if n % 3 == 0 else "Desk") for n in range(1, 10)])
    trade_log.close()

    rows = json.loads(_history(tmp_path, "--format", "json", "--engine", "vps"))
    assert [(row["id"], row["engine"]) for row in rows] == [(9, "VPS"), (6, "VPS"), (3, "VPS")]
    everything = json.loads(_history(tmp_path, "--format", "json"))
    assert [row["engine"] for row in everything][:3] == ["VPS", "Desk", "Desk"]
    assert list(everything[0]) == ["id", "receivedAt", "engine", "strategyName", "symbol", "action", "amount",
                                   "sizeType", "price", "orderType", "tradeType", "status"]  # fmt: skip
    for limit in ("0", "5"):  # the whole log (two processes) and a page (one)
        table = list(csv.DictReader(io.StringIO(_history(tmp_path, "--format", "csv", "--engine", "Desk",
                                                         "--limit", limit))))  # fmt: skip
        assert [row["id"] for row in table] == ["8", "7", "5", "4", "2", "1"][: int(limit) or None]
        assert {row["engine"] for row in table} == {"Desk"}
    lines = _history(tmp_path, "--engine", "VPS").splitlines()
    assert len(lines) == 3 and all(" VPS " in line and "Desk" not in line for line in lines)
    assert json.loads(_history(tmp_path, "--format", "json", "--engine", "Nowhere")) == []


def test_history_reads_a_log_of_the_release_before_as_algomeshs_and_leaves_it_as_it_is(tmp_path: Path) -> None:
    """`history` run after the upgrade but before the app: every trade is AlgoMesh's, in every format and
    with --engine, whole-log CSV included (two processes, 20,000 trades: several slices); the file is
    not migrated."""
    path = tmp_path / "trades.sqlite3"
    make_old_log(path, [received(n) for n in range(1, 20_001)])
    before = path.read_bytes()

    assert {row["engine"] for row in json.loads(_history(tmp_path, "--format", "json", "--limit", "3"))} == {"AlgoMesh"}
    whole = list(csv.DictReader(io.StringIO(_history(tmp_path, "--format", "csv", "--limit", "0", "--engine",
                                                     "algomesh"))))  # fmt: skip
    assert len(whole) == 20_000 and {row["engine"] for row in whole} == {"AlgoMesh"}
    assert whole[0]["id"] == "20000" and whole[-1]["id"] == "1"
    assert _history(tmp_path, "--format", "csv", "--limit", "0", "--engine", "VPS").splitlines() == [
        ",".join(EXPORT_FIELDS)
    ]
    assert "AlgoMesh" in _history(tmp_path, "--limit", "1")
    assert path.read_bytes() == before
    with sqlite3.connect(path) as db:
        assert "engine" not in [row[1] for row in db.execute("PRAGMA table_info(trades)")]
