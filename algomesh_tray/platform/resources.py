"""Finds the files of the top-level ``resources/`` folder, wherever the app runs from.

Installed wheel: they ship as ``algomesh_tray/resources``. PyInstaller bundle: under
``sys._MEIPASS``. Source checkout (editable install): the repository's ``resources/``.
"""

from __future__ import annotations

import sys
from pathlib import Path

__all__ = [
    "TEMPLATE_SUFFIX",
    "TRAY_ICONS",
    "TRAY_ICON_SIZES",
    "TRAY_STATE_ICONS",
    "icon_path",
    "notification_icon",
    "resource_path",
    "tray_icon_paths",
]

#: The icons the tray shows, and the sizes they are rendered at (packaging/render_icons.py --tray):
#: trays draw 16-24 px, twice or three times that on high-DPI screens. Each has a macOS twin named
#: with TEMPLATE_SUFFIX: a template image (black and transparency only, the state told by its shape)
#: that macOS tints to suit a light or dark menu bar.
TEMPLATE_SUFFIX = "-template"
TRAY_STATE_ICONS = ("algomesh-tray", "tray-connected", "tray-connecting", "tray-disconnected", "tray-paused")
TRAY_ICONS = TRAY_STATE_ICONS + tuple(name + TEMPLATE_SUFFIX for name in TRAY_STATE_ICONS)
TRAY_ICON_SIZES = (16, 22, 24, 32, 48, 64)


def _resources_root() -> Path:
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle is not None:
        return Path(bundle) / "resources"
    package = Path(__file__).resolve().parents[1]
    packaged = package / "resources"
    if packaged.is_dir():
        return packaged
    return package.parent / "resources"


def resource_path(relative: str) -> Path:
    """The path of a shipped file; raises FileNotFoundError if the build left it out."""
    path = _resources_root() / relative
    if not path.exists():
        raise FileNotFoundError(f"missing resource {relative} (looked in {path.parent})")
    return path


def icon_path(name: str) -> Path:
    """An icon by name, e.g. ``tray-connected`` -> resources/icons/tray-connected.svg."""
    return resource_path(f"icons/{name}.svg")


def tray_icon_paths(name: str) -> dict[int, Path]:
    """A tray icon's PNGs by size (an SVG would load Qt's SVG module and plugins: 1.2 MB)."""
    return {size: resource_path(f"icons/tray/{name}-{size}.png") for size in TRAY_ICON_SIZES}


def notification_icon(platform: str = sys.platform) -> str:
    """The app icon for native popups, in a format the platform's backend reads ("" for none).

    Windows' balloons load it with LoadImageW, which reads .ico and not .svg (plyer then fails with
    "Could not load icon"): the bundle carries the .ico that packaging/render_icons.py makes. Where
    it is missing (a wheel installed by hand) the popup goes out with Windows' stock icon instead.
    """
    if platform != "win32":
        return str(icon_path("algomesh-tray"))
    try:
        return str(resource_path("icons/algomesh-tray.ico"))
    except FileNotFoundError:
        return ""
