"""The tarball's install-menu-entry.sh, run for real on an unpacked folder whose path has a space."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def unpacked(tmp_path: Path) -> Path:
    """What the tarball unpacks to, with a stand-in executable that says it was started."""
    folder = tmp_path / "my apps" / "algomesh-tray"
    (folder / "icons" / "hicolor" / "48x48" / "apps").mkdir(parents=True)
    (folder / "icons" / "hicolor" / "48x48" / "apps" / "algomesh-tray.png").write_bytes(b"png")
    shutil.copy(ROOT / "packaging" / "linux" / "algomesh-tray.desktop", folder)
    shutil.copy(ROOT / "packaging" / "linux" / "install-menu-entry.sh", folder)
    executable = folder / "algomesh-tray"
    executable.write_text(f"#!/bin/sh\ntouch '{tmp_path}/started'\n")
    executable.chmod(0o755)
    return folder


def test_the_menu_entry_starts_the_app_where_it_was_unpacked_and_can_be_removed(tmp_path: Path) -> None:
    folder = unpacked(tmp_path)
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "data")}
    done = subprocess.run([str(folder / "install-menu-entry.sh")], env=env, capture_output=True, text=True, check=True)
    assert "application menu" in done.stdout

    entry = tmp_path / "data" / "applications" / "algomesh-tray.desktop"
    (exec_line,) = [line for line in entry.read_text().splitlines() if line.startswith("Exec=")]
    assert shlex.split(exec_line.removeprefix("Exec=")) == [str(folder / "algomesh-tray")]
    subprocess.run(shlex.split(exec_line.removeprefix("Exec=")), check=True, timeout=10)
    assert (tmp_path / "started").exists()
    validation = subprocess.run(["desktop-file-validate", str(entry)], capture_output=True, text=True)
    assert validation.returncode == 0 and validation.stdout == "", validation.stdout
    assert (tmp_path / "data" / "icons" / "hicolor" / "48x48" / "apps" / "algomesh-tray.png").exists()

    subprocess.run([str(folder / "install-menu-entry.sh"), "--remove"], env=env, check=True, capture_output=True)
    assert not entry.exists()
    assert not (tmp_path / "data" / "icons" / "hicolor" / "48x48" / "apps" / "algomesh-tray.png").exists()
