"""The settings saved and those in effect: this run's engines (--engine, --demo) stay in effect until
the saved list of engines changes, so a saved rule does not change which engines are watched or
whether popups name them."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

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
