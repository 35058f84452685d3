"""The app's icons, loaded once: SVG for windows, PNGs at the tray's sizes for the tray and its messages."""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import QSize
from PySide6.QtGui import QIcon

from ..platform.resources import icon_path, tray_icon_paths

__all__ = ["app_icon", "tray_icon"]


@cache
def app_icon(name: str = "algomesh-tray") -> QIcon:
    """An icon for windows, from resources/icons (SVG, sharp at any size), loaded once."""
    return QIcon(str(icon_path(name)))


@cache
def tray_icon(name: str = "algomesh-tray") -> QIcon:
    """An icon for the tray and its messages, from PNGs at the sizes trays draw, loaded once:
    the idle app then never loads Qt's SVG module (1.2 MB)."""
    icon = QIcon()
    for size, path in tray_icon_paths(name).items():
        icon.addFile(str(path), QSize(size, size))
    return icon
