"""The history command: the trade log printed as JSON, CSV or a table, from a shell, without Qt."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

from algomesh_tray.log.tradelog import TradeLog

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
