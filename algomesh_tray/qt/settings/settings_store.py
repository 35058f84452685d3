"""The settings the app runs with, and saving them: one owner for "saved" and "in effect"."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from ...settings import Settings, in_effect_after_save, save_settings
from ...util.tasks import BackgroundTasks

__all__ = ["SettingsStore"]

log = logging.getLogger(__name__)


class SettingsStore(QObject):
    """``saved`` is what the file holds (and the dialog edits); ``effective`` is what runs, which
    --host/--port/--path may override for this run. Accepting new settings saves them off the Qt
    thread and emits ``changed(old, new)``."""

    changed = Signal(object, object)  # old saved Settings, new Settings
    save_failed = Signal(str)  # in words, for the user

    def __init__(
        self, path: Path, saved: Settings, effective: Settings, tasks: BackgroundTasks, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.path = path
        self.saved = saved
        self.effective = effective
        self._tasks = tasks
        #: One save at a time, in the order they were asked: two at once would write one temporary
        #: file together (a damaged settings file), or the older settings last.
        self._saving = asyncio.Lock()

    def accept(self, new: Settings) -> None:
        """The user saved ``new``: it is in effect at once and written to the file in the background."""
        old, self.saved = self.saved, new
        self.effective = in_effect_after_save(old, new, self.effective)
        self._tasks.spawn(self._save(new), name="saving settings")
        self.changed.emit(old, new)

    async def _save(self, settings: Settings) -> None:
        try:
            async with self._saving:
                await asyncio.to_thread(save_settings, self.path, settings)
        except OSError as error:
            self.save_failed.emit(
                f"Settings could not be saved to {self.path} ({error.strerror}); they apply until you quit."
            )
