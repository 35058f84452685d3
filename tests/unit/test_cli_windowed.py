"""The command line in a windowed exe: Python starts it with sys.stdout and sys.stderr None.

Run here as real processes started with file descriptors 1 and 2 closed, which is how Python
ends up with None streams on every platform (the windowed exe and pythonw get the same).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

PROGRAM = (
    "import sys; assert sys.stdout is None and sys.stderr is None; from algomesh_tray.cli import main; sys.exit(main())"
)


def run_without_streams(*arguments: str) -> int:
    """Exit status of ``algomesh-tray ARGUMENTS`` started without stdout and stderr."""

    def close_streams() -> None:
        os.close(1)
        os.close(2)

    return subprocess.run([sys.executable, "-c", PROGRAM, *arguments], preexec_fn=close_streams, timeout=60).returncode


@pytest.mark.parametrize("output_format", ["table", "csv", "json"])
def test_history_without_streams_exits_cleanly(tmp_path: Path, output_format: str) -> None:
    """No log yet, every format: status 0, where it used to die on None.write (the crash dialog)."""
    assert run_without_streams("history", "--format", output_format, "--data-dir", str(tmp_path)) == 0


def test_help_version_and_errors_keep_their_exit_status_without_streams(tmp_path: Path) -> None:
    """--help and --version exit 0; a bad option 2; a log that cannot be read 1 — none crash."""
    assert run_without_streams("--help") == 0
    assert run_without_streams("history", "--help") == 0
    assert run_without_streams("--version") == 0
    assert run_without_streams("--port", "x") == 2
    (tmp_path / "trades.sqlite3").write_text("not a database")
    assert run_without_streams("history", "--data-dir", str(tmp_path)) == 1
