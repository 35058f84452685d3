"""The tray's icons on macOS: template images (black and transparency only, the state in the shape),
marked as masks so macOS tints them for the menu bar; every other platform keeps the coloured ones."""

from __future__ import annotations

import itertools
import sys

import pytest
from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

from algomesh_tray.platform.resources import TEMPLATE_SUFFIX, TRAY_ICON_SIZES, TRAY_STATE_ICONS, tray_icon_paths
from algomesh_tray.qt.icons import message_icon, tray_icon


def _rgba(image: QImage) -> bytes:
    """Its pixels as R, G, B, A bytes (not premultiplied)."""
    converted = image.convertToFormat(QImage.Format.Format_RGBA8888)  # alive while its bits are copied
    return bytes(converted.constBits())


def _alpha(image: QImage) -> bytes:
    return _rgba(image)[3::4]


def _shape(name: str, size: int) -> set[int]:
    """The pixels a template covers (more than half opaque)."""
    return {index for index, alpha in enumerate(_alpha(QImage(str(tray_icon_paths(name)[size])))) if alpha > 127}


@pytest.mark.parametrize("name", TRAY_STATE_ICONS)
def test_the_mac_templates_are_black_and_transparency_only(name: str) -> None:
    """What macOS asks of a template image: only the alpha channel carries the drawing."""
    for size, path in tray_icon_paths(name + TEMPLATE_SUFFIX).items():
        pixels = _rgba(QImage(str(path)))
        assert len(pixels) == size * size * 4, path
        colours = {pixels[index : index + 3] for index in range(0, len(pixels), 4) if pixels[index + 3]}
        assert colours == {b"\0\0\0"}, path  # black wherever anything is drawn
        assert 0.1 < sum(alpha > 127 for alpha in pixels[3::4]) / (size * size) < 0.7, path


@pytest.mark.parametrize("size", [16, 22, 32])
def test_each_state_has_its_own_shape(size: int) -> None:
    """With the colour left to macOS, no two states may look alike: any two share under 60% of their pixels."""
    shapes = {name: _shape(name + TEMPLATE_SUFFIX, size) for name in TRAY_STATE_ICONS}
    for first, second in itertools.combinations(TRAY_STATE_ICONS, 2):
        overlap = len(shapes[first] & shapes[second]) / len(shapes[first] | shapes[second])
        assert overlap < 0.6, f"{first} and {second} at {size} px: {overlap:.0%} alike"


def test_macos_gets_the_templates_as_masks(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    """On darwin tray_icon gives each state's template, marked as a mask (Qt then makes the menu
    bar's NSImage a template); elsewhere the coloured icon, not a mask."""
    monkeypatch.setattr(sys, "platform", "darwin")
    for name in TRAY_STATE_ICONS:
        icon = tray_icon(name)
        assert icon.isMask(), name
        assert sorted(size.width() for size in icon.availableSizes()) == sorted(TRAY_ICON_SIZES)
        drawn = _rgba(icon.pixmap(22, 22).toImage())
        assert drawn == _rgba(QImage(str(tray_icon_paths(name + TEMPLATE_SUFFIX)[22]))), name
    monkeypatch.setattr(sys, "platform", "linux")
    coloured = tray_icon("tray-connected")
    assert not coloured.isMask()
    assert _rgba(coloured.pixmap(22, 22).toImage()) == _rgba(QImage(str(tray_icon_paths("tray-connected")[22])))


def test_a_tray_message_shows_the_coloured_icon_on_macos_too(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    """A notification is a picture, not the menu bar: on darwin its icon is the coloured app icon,
    not the black template the menu bar gets."""
    monkeypatch.setattr(sys, "platform", "darwin")
    assert tray_icon().isMask() and not message_icon().isMask()
    drawn = _rgba(message_icon().pixmap(22, 22).toImage())
    assert drawn == _rgba(QImage(str(tray_icon_paths("algomesh-tray")[22])))
