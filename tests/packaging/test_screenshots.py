"""The screenshots: packaging/screenshots.py makes them from the real app on a virtual desktop; the
README shows those kept in docs/screenshots/, and the AppStream metainfo lists them with captions."""

from __future__ import annotations

import re
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHOTS_DIR = ROOT / "docs" / "screenshots"
sys.path.insert(0, str(ROOT / "packaging"))
sys.path.insert(0, str(ROOT / "packaging" / "linux"))

import deb_files  # noqa: E402
import screenshots  # noqa: E402

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _size_and_colours(path: Path) -> tuple[str, int]:
    """(WxH, number of distinct colours), as ImageMagick reads the file."""
    width_height, colours = subprocess.run(
        ["identify", "-format", "%wx%h %k", str(path)], capture_output=True, text=True, check=True, timeout=60
    ).stdout.split()
    return width_height, int(colours)


def test_the_readme_shows_four_kept_screenshots_one_at_the_top() -> None:
    """At least four real PNGs from docs/screenshots/, each with its caption; the first before any section."""
    readme = (ROOT / "README.md").read_text()
    shown = re.findall(r"!\[([^\]]+)\]\((docs/screenshots/[^)]+\.png)\)", readme)
    assert len({path for _, path in shown}) >= 4, shown
    for caption, path in shown:
        assert (ROOT / path).read_bytes().startswith(PNG_SIGNATURE), path
        assert caption == screenshots.SHOTS[Path(path).name]  # the caption the script gives it
    assert readme.index(shown[0][1]) < readme.index("\n## ")


def test_the_metainfo_lists_screenshots_with_captions_and_validates(tmp_path: Path) -> None:
    """At least two, the first the default, each captioned and one of the kept files; appstreamcli accepts it."""
    path = tmp_path / "com.algomesh.tray.metainfo.xml"
    path.write_text(deb_files.metainfo("1.2.3", "2026-01-02"))
    validation = subprocess.run(["appstreamcli", "validate", "--no-net", str(path)], capture_output=True, text=True)
    assert validation.returncode == 0, validation.stdout + validation.stderr
    shots = ElementTree.parse(path).getroot().findall("./screenshots/screenshot")
    assert len(shots) >= 2
    assert shots[0].get("type") == "default"
    for shot in shots:
        caption, image = shot.findtext("caption"), shot.findtext("image")
        assert caption and image and image.startswith("https://")
        assert (SHOTS_DIR / Path(image).name).read_bytes().startswith(PNG_SIGNATURE)


def test_every_screenshot_the_script_makes_is_kept() -> None:
    """docs/screenshots/ holds exactly what the script makes, each a real capture (a window's size, many colours)."""
    assert sorted(path.name for path in SHOTS_DIR.iterdir()) == sorted(screenshots.SHOTS)
    sizes = {name: _size_and_colours(SHOTS_DIR / name) for name in screenshots.SHOTS}
    assert sizes["tray-and-popups.png"][0] == "400x440"
    assert sizes["trades-window.png"][0] == sizes["dashboard.png"][0] == "1120x560"
    assert all(colours > 50 for _, colours in sizes.values()), sizes


@pytest.mark.timeout(300)
def test_the_script_makes_the_screenshots_from_the_real_app_in_one_command(tmp_path: Path) -> None:
    """One command, on its own virtual desktop against the demo engine: every screenshot, of the size of
    what it shows (the tray's corner, the trades window, the Settings dialog), with real content."""
    made = subprocess.run(
        [sys.executable, str(ROOT / "packaging" / "screenshots.py"), str(tmp_path)],
        capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert made.returncode == 0, made.stdout + made.stderr
    sizes = {name: _size_and_colours(tmp_path / name) for name in screenshots.SHOTS}
    assert sizes["tray-and-popups.png"][0] == "400x440"
    assert sizes["trades-window.png"][0] == sizes["dashboard.png"][0] == "1120x560"
    (settings_width, settings_height), (rules_width, rules_height) = (
        map(int, sizes[name][0].split("x")) for name in ("settings.png", "rules-preview.png")
    )
    assert settings_width == rules_width and abs(settings_height - rules_height) <= 8  # one dialog, two tabs
    assert all(colours > 50 for _, colours in sizes.values()), sizes
    assert (tmp_path / "trades-window.png").read_bytes() != (tmp_path / "dashboard.png").read_bytes()
    assert (tmp_path / "settings.png").read_bytes() != (tmp_path / "rules-preview.png").read_bytes()
