"""The actions the tray menu and the trades window share, created once."""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction

from ..notify.pause import PAUSE_CHOICES

__all__ = ["AppActions"]


class AppActions(QObject):
    """The actions the tray menu and the trades window share, created once."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        #: Shown while an engine outage waits for someone at the desk to answer it (bridges/escalation.py).
        self.acknowledge_outage = QAction("Engine down: I'm on it", self, visible=False)
        self.open_trades = QAction("Open trades", self)
        self.settings = QAction("Settings…", self)
        self.pause = QAction("Pause notifications", self, checkable=True)
        self.pause_for = {choice: QAction(label, self) for choice, label in PAUSE_CHOICES.items()}
        self.reconnect = QAction("Reconnect now", self)
        self.about = QAction("About AlgoMesh Tray", self)
        self.quit = QAction("Quit", self)
