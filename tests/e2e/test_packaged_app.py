"""The Linux release as a user gets it: built, installed with dpkg, started from its menu entry.

The frozen bundle must prove that a notification really reaches the notification daemon:
a naive PyInstaller build of this stack starts fine but cannot notify.
"""

from __future__ import annotations

import configparser
import json
import os
import shlex
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from algomesh_tray.autostart import Autostart

from ..waiting import wait_until
from .conftest import ARTIFACTS, Program
from .desktop import VirtualDesktop
from .helpers import expected_notification, sent_frames, start_engine

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
DESKTOP_FILE = Path("/usr/share/applications/algomesh-tray.desktop")


@pytest.fixture(scope="module")
def installed_deb() -> Iterator[Path]:
    """Build the .deb with packaging/build-linux.sh, install it with dpkg, remove it afterwards."""
    if os.geteuid() != 0:
        pytest.skip("installing a .deb needs root (CI runs as root)")
    started = time.monotonic()
    build = subprocess.run(
        [str(ROOT / "packaging" / "build-linux.sh")],
        env={**os.environ, "ALGOMESH_BUILD_VENV": sys.prefix},
        capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    print(f"\nbuild-linux.sh: {time.monotonic() - started:.0f} s\n{build.stdout.strip()}")
    (deb,) = (ROOT / "dist").glob("algomesh-tray_*.deb")
    subprocess.run(["dpkg", "-i", str(deb)], check=True, capture_output=True, timeout=120)
    try:
        yield deb
    finally:
        subprocess.run(["dpkg", "-r", "algomesh-tray"], check=True, capture_output=True, timeout=120)
        assert not Path("/opt/algomesh-tray").exists()
        assert not Path("/usr/bin/algomesh-tray").exists()
        assert not DESKTOP_FILE.exists()


def _exec_line() -> list[str]:
    entry = configparser.ConfigParser(interpolation=None)
    entry.read(DESKTOP_FILE)
    return shlex.split(entry["Desktop Entry"]["Exec"])


def test_the_installed_deb_notifies_and_logs_when_started_from_its_menu_entry(
    installed_deb: Path, desktop: VirtualDesktop, start_program: Any, tmp_path: Path
) -> None:
    """dpkg -i, then the .desktop Exec line on the desktop: Notify calls arrive and history lists them."""
    validate = subprocess.run(["desktop-file-validate", str(DESKTOP_FILE)], capture_output=True, text=True)
    assert validate.returncode == 0, validate.stdout + validate.stderr
    assert Path("/usr/share/icons/hicolor/48x48/apps/algomesh-tray.png").is_file()

    engine, port = start_engine(start_program, "--rate", "4", "--count", "3", "--seed", "2")
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "settings.json").write_text(json.dumps({"host": "127.0.0.1", "port": port}))
    env = {**desktop.env, "ALGOMESH_TRAY_DATA_DIR": str(data_dir), "PATH": "/usr/bin:/bin"}
    already = len(desktop.notifications())
    began = time.monotonic()
    app = Program(_exec_line(), env, tmp_path / "installed-app.log")
    try:
        app.wait_for_line("engine connected", timeout=30)
        print(f"\ninstalled bundle: launch to tray and engine connected in {time.monotonic() - began:.2f} s")
        wait_until(lambda: len(sent_frames(engine)) == 3, 15, "three signals sent")
        ours = lambda: [n for n in desktop.notifications()[already:] if n.app_name == "AlgoMesh Tray"]  # noqa: E731
        wait_until(lambda: len(ours()) >= 3, 20, "three Notify calls from the installed app")
        desktop.screenshot(ARTIFACTS / "e2e-installed-deb.png")
        assert [(n.summary, n.body) for n in ours()] == [expected_notification(f) for f in sent_frames(engine)]
        history = subprocess.run(
            ["/usr/bin/algomesh-tray", "history", "--format", "json"],
            env=env, capture_output=True, text=True, check=True, timeout=60,
        )  # fmt: skip
        assert [row["price"] for row in json.loads(history.stdout)] == [
            frame["price"] for frame in reversed(sent_frames(engine))
        ]
        assert app.stop() == 0
    finally:
        if app.process.poll() is None:
            app.process.kill()


def test_the_installed_bundle_stays_within_its_size_budget(installed_deb: Path) -> None:
    """At most 120 MB on disk: the Qt modules, plugins and ICU data the app never uses are left out."""
    bundle = Path("/opt/algomesh-tray")
    size = sum(path.lstat().st_size for path in bundle.rglob("*"))
    print(f"\ninstalled bundle: {size / 1e6:.1f} MB")
    assert size <= 120e6, f"the bundle grew to {size / 1e6:.1f} MB"
    icu_data = next(bundle.rglob("libicudata.so.*"))
    assert icu_data.stat().st_size < 100_000, "the empty ICU data stub was not swapped in"


def test_start_at_login_entry_is_valid_and_starts_the_installed_app(
    installed_deb: Path, desktop: VirtualDesktop, start_program: Any, tmp_path: Path
) -> None:
    """The XDG autostart entry the frozen app would write validates and its Exec line starts it."""
    home = tmp_path / "home"
    autostart = Autostart(platform="linux", home=home)
    autostart.set_enabled(True, ["/opt/algomesh-tray/algomesh-tray"])
    assert autostart.is_enabled()
    entry_path = autostart.entry_path
    assert entry_path == home / ".config" / "autostart" / "algomesh-tray.desktop"
    validate = subprocess.run(["desktop-file-validate", str(entry_path)], capture_output=True, text=True)
    assert validate.returncode == 0, validate.stdout + validate.stderr

    _engine, port = start_engine(start_program, "--count", "0")
    entry = configparser.ConfigParser(interpolation=None)
    entry.read(entry_path)
    data_dir = tmp_path / "data"
    command = [*shlex.split(entry["Desktop Entry"]["Exec"]), "--data-dir", str(data_dir), "--port", str(port)]
    app = Program(command, desktop.env, tmp_path / "autostarted.log")
    try:
        app.wait_for_line("engine connected", timeout=30)
        assert app.stop() == 0
    finally:
        if app.process.poll() is None:
            app.process.kill()
    autostart.set_enabled(False)
    assert not entry_path.exists()
