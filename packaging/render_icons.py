"""Render resources/icons/algomesh-tray.svg into every size and format the installers need.

    python packaging/render_icons.py [OUTPUT_DIR]   (default: build/icons)
    python packaging/render_icons.py --tray         (resources/icons/tray, checked in)

Writes hicolor/<N>x<N>/apps/algomesh-tray.png (Linux), algomesh-tray.ico (Windows, PNG entries)
and algomesh-tray.icns (macOS, PNG entries). Uses Qt's SVG renderer, so no other tool is needed.

``--tray`` renders the tray's icons (and their macOS template twins, black and transparency only)
to PNGs at the sizes trays draw: the running app reads those,
not the SVGs, because an SVG loads Qt's SVG module and plugins (1.2 MB of the idle app). A test
renders them again and compares, so an SVG changed without this run fails.
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from algomesh_tray.platform.resources import TRAY_ICON_SIZES, TRAY_ICONS  # noqa: E402

ICONS = ROOT / "resources" / "icons"
SOURCE = ICONS / "algomesh-tray.svg"
HICOLOR_SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
ICNS_TYPES = {b"icp4": 16, b"icp5": 32, b"icp6": 64, b"ic07": 128, b"ic08": 256, b"ic09": 512, b"ic10": 1024}


def render_png(renderer: QSvgRenderer, size: int) -> bytes:
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(data.data())


def ico(pngs: dict[int, bytes]) -> bytes:
    """An .ico whose entries are PNGs (Windows Vista and later read them)."""
    header = struct.pack("<HHH", 0, 1, len(pngs))
    offset = len(header) + 16 * len(pngs)
    directory, blobs = b"", b""
    for size, png in sorted(pngs.items()):
        side = 0 if size >= 256 else size  # 0 means 256 in an ICO directory
        directory += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(png), offset + len(blobs))
        blobs += png
    return header + directory + blobs


def icns(pngs: dict[bytes, bytes]) -> bytes:
    body = b"".join(kind + struct.pack(">I", len(png) + 8) + png for kind, png in pngs.items())
    return b"icns" + struct.pack(">I", len(body) + 8) + body


def render_tray_icons(output: Path) -> list[Path]:
    """Each tray icon as <name>-<size>.png in ``output``; the paths written."""
    QGuiApplication.instance() or QGuiApplication([])
    output.mkdir(parents=True, exist_ok=True)
    written = []
    for name in TRAY_ICONS:
        renderer = QSvgRenderer(str(ICONS / f"{name}.svg"))
        if not renderer.isValid():
            raise SystemExit(f"cannot read {ICONS / f'{name}.svg'}")
        for size in TRAY_ICON_SIZES:
            target = output / f"{name}-{size}.png"
            target.write_bytes(render_png(renderer, size))
            written.append(target)
    return written


def main(output: Path) -> None:
    QGuiApplication.instance() or QGuiApplication([])
    renderer = QSvgRenderer(str(SOURCE))
    if not renderer.isValid():
        raise SystemExit(f"cannot read {SOURCE}")
    cache: dict[int, bytes] = {}

    def png(size: int) -> bytes:
        if size not in cache:
            cache[size] = render_png(renderer, size)
        return cache[size]

    for size in HICOLOR_SIZES:
        target = output / "hicolor" / f"{size}x{size}" / "apps" / "algomesh-tray.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(png(size))
    scalable = output / "hicolor" / "scalable" / "apps" / "algomesh-tray.svg"
    scalable.parent.mkdir(parents=True, exist_ok=True)
    scalable.write_bytes(SOURCE.read_bytes())
    (output / "algomesh-tray.ico").write_bytes(ico({size: png(size) for size in ICO_SIZES}))
    (output / "algomesh-tray.icns").write_bytes(icns({kind: png(size) for kind, size in ICNS_TYPES.items()}))
    print(f"icons written to {output}")


if __name__ == "__main__":
    if sys.argv[1:] == ["--tray"]:
        print(f"{len(render_tray_icons(ICONS / 'tray'))} tray icons written to {ICONS / 'tray'}")
    else:
        main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "build" / "icons")
