"""The Linux release as a user gets it: built (once per session), installed with apt, started from its
menu entry, removed.

The frozen bundle must prove that a notification really reaches the notification daemon:
a naive PyInstaller build of this stack starts fine but cannot notify.
"""

from __future__ import annotations

import configparser
import json
import os
import shlex
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from algomesh_tray.platform.autostart import Autostart

from ..conftest import LinuxRelease
from ..waiting import wait_until
from .conftest import ARTIFACTS, Program
from .desktop import VirtualDesktop
from .helpers import expected_notification, sent_frames, start_engine

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]  # the first one waits for the build

ROOT = Path(__file__).resolve().parents[2]
DESKTOP_FILE = Path("/usr/share/applications/algomesh-tray.desktop")


@pytest.fixture(scope="module")
def installed_deb(linux_release: LinuxRelease) -> Iterator[Path]:
    """The release's .deb installed with apt; removed afterwards, leaving none of its files behind."""
    if os.geteuid() != 0:
        pytest.skip("installing a .deb needs root (CI runs as root)")
    deb = linux_release.deb
    subprocess.run(
        ["apt-get", "install", "-y", "-q", str(deb)],
        check=True, capture_output=True, timeout=300, env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
    )  # fmt: skip
    listed = subprocess.run(["dpkg", "-L", "algomesh-tray"], capture_output=True, text=True, check=True).stdout
    installed = [Path(line) for line in listed.splitlines() if line.strip()]
    try:
        yield deb
    finally:
        subprocess.run(
            ["apt-get", "purge", "-y", "-q", "algomesh-tray"],
            check=True, capture_output=True, timeout=300, env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )  # fmt: skip
        ours = [p for p in installed if "algomesh" in str(p) or p.is_relative_to("/opt/algomesh-tray")]
        left = [p for p in ours if p.exists() or p.is_symlink()]
        assert ours and not left, f"left behind after apt-get purge: {left[:10]}"
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
    """apt install, then the .desktop Exec line on the desktop: Notify calls arrive and history lists them."""
    validate = subprocess.run(["desktop-file-validate", str(DESKTOP_FILE)], capture_output=True, text=True)
    assert validate.returncode == 0, validate.stdout + validate.stderr
    assert Path("/usr/share/icons/hicolor/48x48/apps/algomesh-tray.png").is_file()

    engine, port = start_engine(start_program, "--rate", "4", "--count", "3", "--seed", "2")
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o700)  # private, as the app makes it: no warning among the signals' popups
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
