"""The Settings window as its tests open it: shown, with the default settings."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QDialogButtonBox, QPushButton
from pytestqt.qtbot import QtBot

from algomesh_tray.qt.icons import app_icon
from algomesh_tray.qt.settings.settings_dialog import SettingsDialog
from algomesh_tray.settings import Settings

__all__ = ["save_button"]


@pytest.fixture
def dialog(qtbot: QtBot) -> SettingsDialog:
    dialog = SettingsDialog(Settings(), app_icon())
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def save_button(dialog: SettingsDialog) -> QPushButton:
    button = dialog.buttons.button(QDialogButtonBox.StandardButton.Save)
    assert button is not None
    return button
