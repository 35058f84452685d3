"""The first run is told once where the icon lives; an upgrade is not a first run."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from algomesh_tray.platform.first_run import claim_first_run, welcome_text, where_the_icon_lives


def test_only_the_first_run_is_the_first(tmp_path: Path) -> None:
    marker = tmp_path / "config" / "welcome-shown"
    earlier = [tmp_path / "config" / "settings.json", tmp_path / "data" / "trades.sqlite3"]
    assert claim_first_run(marker, earlier)
    assert marker.is_file()
    assert not claim_first_run(marker, earlier)


@pytest.mark.parametrize("left_by_an_older_version", ["settings.json", "trades.sqlite3"])
def test_an_upgrade_is_not_a_first_run(tmp_path: Path, left_by_an_older_version: str) -> None:
    """Someone who has used the app before the welcome existed is not welcomed now."""
    (tmp_path / left_by_an_older_version).write_text("{}")
    marker = tmp_path / "welcome-shown"
    assert not claim_first_run(marker, [tmp_path / "settings.json", tmp_path / "trades.sqlite3"])
    assert marker.is_file()


def test_a_marker_that_cannot_be_written_still_welcomes(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Told again next time rather than never."""
    (tmp_path / "blocked").write_text("a file where the folder should be")
    with caplog.at_level(logging.WARNING):
        assert claim_first_run(tmp_path / "blocked" / "welcome-shown", [])
    assert "cannot note that the welcome was shown" in caplog.text


def test_each_platform_is_told_where_the_icon_lives() -> None:
    assert "behind the ^ arrow" in where_the_icon_lives("win32")  # Windows 11's overflow
    assert "menu bar" in where_the_icon_lives("darwin") and "no Dock icon" in where_the_icon_lives("darwin")
    assert "system tray" in where_the_icon_lives("linux")


def test_the_welcome_says_what_happens_next() -> None:
    text = welcome_text("win32", engines=[("AlgoMesh", "ws://localhost:52000/connect")], alert_seconds=10)
    assert text.startswith(where_the_icon_lives("win32"))
    assert "ws://localhost:52000/connect" in text and "10 s" in text and "shown once" in text
    assert "engine alert" not in welcome_text(
        "linux", engines=[("AlgoMesh", "ws://x:1/")], alert_seconds=0
    )  # alerts off


def test_the_welcome_names_each_engine_when_there_are_several() -> None:
    text = welcome_text("linux", engines=[("Desk", "ws://127.0.0.1:1/connect"), ("VPS", "wss://h.example:443/f")],
                        alert_seconds=10)  # fmt: skip
    assert "2 engines: Desk at ws://127.0.0.1:1/connect, VPS at wss://h.example:443/f" in text
