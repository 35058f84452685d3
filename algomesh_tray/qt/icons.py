"""The app's icons, loaded once: SVG for windows, PNGs at the tray's sizes for the tray and its messages
(on macOS, template images for the menu bar)."""

from __future__ import annotations

import sys
from functools import cache

from PySide6.QtCore import QSize
from PySide6.QtGui import QIcon

from ..platform.resources import TEMPLATE_SUFFIX, icon_path, tray_icon_paths

__all__ = ["app_icon", "message_icon", "tray_icon"]


@cache
def app_icon(name: str = "algomesh-tray") -> QIcon:
    """An icon for windows, from resources/icons (SVG, sharp at any size), loaded once."""
    return QIcon(str(icon_path(name)))


def tray_icon(name: str = "algomesh-tray") -> QIcon:
    """An icon for the tray and its messages, from PNGs at the sizes trays draw, loaded once:
    the idle app then never loads Qt's SVG module (1.2 MB).

    On macOS, the name's template twin marked as a mask: Qt then hands the menu bar a template
    image, which macOS draws in the bar's own colour (light or dark look, highlighted when clicked)
    instead of a coloured tile. The state is in its shape, since the colour is macOS's."""
    return _tray_icon(name, template=sys.platform == "darwin")


def message_icon() -> QIcon:
    """The app's coloured icon for Qt's tray messages, on every platform: a notification shows it
    as a picture, not in the menu bar (a template image there would be a black glyph)."""
    return _tray_icon("algomesh-tray", template=False)


@cache
def _tray_icon(name: str, *, template: bool) -> QIcon:
    icon = QIcon()
    for size, path in tray_icon_paths(name + TEMPLATE_SUFFIX if template else name).items():
        icon.addFile(str(path), QSize(size, size))
    icon.setIsMask(template)
    return icon
