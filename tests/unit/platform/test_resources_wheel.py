"""The built wheel (installed, not editable) carries the icons and our licence, and the app finds them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_installed_wheel_ships_and_finds_every_icon(tmp_path: Path) -> None:
    """pip-installing the wheel puts resources/ inside the package, where icon_path looks."""
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path), ROOT],
        check=True,
        timeout=300,
    )
    (wheel,) = tmp_path.glob("algomesh_tray-*.whl")
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
        check=True,
        timeout=300,
    )
    script = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "from algomesh_tray.platform.resources import TRAY_ICONS, icon_path, tray_icon_paths;"
        "from PySide6.QtGui import QGuiApplication, QIcon; app = QGuiApplication([]);"
        "paths = [icon_path(n) for n in TRAY_ICONS] + [p for n in TRAY_ICONS for p in tray_icon_paths(n).values()];"
        "assert all(not QIcon(str(p)).pixmap(22, 22).isNull() for p in paths);"
        "print('\\n'.join(str(p) for p in paths))"
    )
    result = subprocess.run(
        [sys.executable, "-I", "-c", script, str(target)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    printed = result.stdout.split()
    assert len(printed) == 10 + 10 * 6  # each SVG (5 in colour, 5 macOS templates), and its PNGs at the tray's sizes
    assert all(path.startswith(str(target / "algomesh_tray" / "resources" / "icons")) for path in printed)

    notices = subprocess.run(
        [sys.executable, "-I", "-c", "import sys; sys.path.insert(0, sys.argv[1]);"
         "from algomesh_tray.platform.licences import licence_notices;"
         "n = licence_notices(); print(n.folder); print(n.text)",
         str(target)],
        cwd=tmp_path, capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    folder = Path(notices.stdout.splitlines()[0])
    assert folder.is_relative_to(target) and "MIT License" in (folder / "LICENSE").read_text()
    (entry_points,) = target.glob("algomesh_tray-*.dist-info/entry_points.txt")
    console = entry_points.read_text().split("[console_scripts]", 1)[1].split("[", 1)[0]
    assert "algomesh-tray-cli = algomesh_tray.cli:main" in console  # the Windows console twin
