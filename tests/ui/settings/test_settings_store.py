"""The settings saved and those in effect: this run's engines (--engine, --demo) stay in effect until
the saved list of engines changes, so a saved rule does not change which engines are watched or
whether popups name them."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import replace
from pathlib import Path

import pytest

from algomesh_tray.feed.engines import Engine
from algomesh_tray.qt.settings.settings_store import SettingsStore
from algomesh_tray.settings import Settings, load_settings
from algomesh_tray.util.tasks import BackgroundTasks


def test_this_runs_engines_stay_in_effect_until_the_saved_engines_change(tmp_path: Path) -> None:
    saved = Settings()
    this_run = replace(saved, engines=(Engine("Desk", port=52001), Engine("VPS", port=52002)))

    async def scenario() -> tuple[Settings, Settings]:
        tasks = BackgroundTasks()
        store = SettingsStore(tmp_path / "settings.json", saved, this_run, tasks)
        store.accept(replace(saved, rules="trade paper: silent"))
        after_rules = store.effective
        store.accept(replace(store.saved, engines=(Engine("Lab", port=52003),)))
        await tasks.drain(10)
        return after_rules, store.effective

    after_rules, after_engines = asyncio.run(scenario())
    assert after_rules.engines == this_run.engines and after_rules.several_engines
    assert after_rules.rules == "trade paper: silent"
    assert after_engines.engines == (Engine("Lab", port=52003),)
    assert load_settings(tmp_path / "settings.json")[0].engines == (Engine("Lab", port=52003),)


def test_saves_in_quick_succession_run_one_at_a_time_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two saves asked at once (Save clicked twice): the second write starts only once the first has
    ended (two at once wrote one temporary file together: a damaged settings file), and the file
    holds the last settings."""
    from algomesh_tray.qt.settings import settings_store
    from algomesh_tray.settings import save_settings

    second_started = threading.Event()
    events: list[str] = []

    def recording_save(path: Path, settings: Settings) -> None:
        port = settings.engines[0].port
        events.append(f"start {port}")
        if port == 52001:
            second_started.set()
        else:  # the first save: would the second start meanwhile? (a bound, not a synchronisation)
            events.append("overlapped" if second_started.wait(timeout=1.0) else "alone")
        save_settings(path, settings)
        events.append(f"end {port}")

    monkeypatch.setattr(settings_store, "save_settings", recording_save)

    async def scenario() -> None:
        tasks = BackgroundTasks()
        store = SettingsStore(tmp_path / "settings.json", Settings(), Settings(), tasks)
        store.accept(replace(store.saved, engines=(Engine("Lab", port=52000),)))
        store.accept(replace(store.saved, engines=(Engine("Lab", port=52001),)))
        await tasks.drain(30)

    asyncio.run(scenario())
    assert events == ["start 52000", "alone", "end 52000", "start 52001", "end 52001"]
    settings, problem = load_settings(tmp_path / "settings.json")
    assert problem is None and settings.engines == (Engine("Lab", port=52001),)
