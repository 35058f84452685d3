"""Suite-wide rules (in CI, a skipped test is a failure: end-to-end tests must really run) and the
one build of the Linux release that the packaging and end-to-end tests share."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session", autouse=True)
def runtime_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Every app the tests start keeps its instance lock and socket here (XDG_RUNTIME_DIR), not in
    /tmp: an app a test kills cannot remove its files, and pytest clears its own temp folders."""
    folder = tmp_path_factory.mktemp("runtime")
    folder.chmod(0o700)  # as a real runtime folder is: Qt warns about any other mode
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_RUNTIME_DIR", str(folder))
        yield folder


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter is not None else 0
    if os.environ.get("CI") and skipped:
        print(f"\nCI: {skipped} test(s) skipped; every test must run in CI.")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@dataclass(frozen=True)
class LinuxRelease:
    """What packaging/build-linux.sh made: the .deb, the tarball, and the bundle they both carry."""

    deb: Path
    tarball: Path
    bundle: Path


@pytest.fixture(scope="session")
def linux_release() -> LinuxRelease:
    """Build the real Linux release once per session (about 1-3 minutes); every packaging test shares it."""
    started = time.monotonic()
    build = subprocess.run(
        [str(ROOT / "packaging" / "build-linux.sh")],
        env={**os.environ, "ALGOMESH_BUILD_VENV": sys.prefix},
        capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    print(f"\nbuild-linux.sh: {time.monotonic() - started:.0f} s\n{build.stdout.strip()}")
    (deb,) = (ROOT / "dist").glob("algomesh-tray_*.deb")
    (tarball,) = (ROOT / "dist").glob("algomesh-tray-*-linux-*.tar.gz")
    return LinuxRelease(deb, tarball, ROOT / "dist" / "algomesh-tray")
