"""The real Linux release, read as a distribution's reviewer would: lintian, desktop-file-validate
and appstreamcli on the .deb, its metadata and bundle; the tarball unpacked into an awkward folder
name with its menu installer run, launched and removed. One build for the session (tests/conftest.py)."""

from __future__ import annotations

import gzip
import os
import re
import subprocess
import tarfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from ..conftest import LinuxRelease

METAINFO = "usr/share/metainfo/com.algomesh.tray.metainfo.xml"
#: The first test to ask for the build waits for it (1-3 minutes; longer on a busy machine).
pytestmark = pytest.mark.timeout(900)


@pytest.fixture(scope="module")
def unpacked_deb(linux_release: LinuxRelease, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The .deb's files and control area, extracted with dpkg-deb."""
    root = tmp_path_factory.mktemp("deb")
    subprocess.run(["dpkg-deb", "-R", str(linux_release.deb), str(root)], check=True, timeout=120)
    return root


def _field(control: str, name: str) -> str:
    (value,) = re.findall(rf"^{name}: (.*)$", control, re.MULTILINE)
    return value


def test_lintian_reports_no_error_without_an_override(linux_release: LinuxRelease) -> None:
    """Every E: tag lintian would report is either fixed or overridden with a comment in the package."""
    result = subprocess.run(
        ["lintian", "--tag-display-limit", "0", "--show-overrides", str(linux_release.deb)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    lines = [line for line in result.stdout.splitlines() if re.match(r"^[EWIPXO]: ", line)]
    tags = Counter(f"{line[0]} {line.split()[2]}" for line in lines)
    print("\nlintian (O: = overridden):", dict(sorted(tags.items())))
    errors = [line for line in lines if line.startswith("E: ")]
    assert not errors, "\n".join(errors[:20])
    assert tags["O dir-or-file-in-opt"] > 0  # the overrides are shipped and used


def test_deb_has_copyright_changelog_md5sums_man_page_and_appstream(unpacked_deb: Path) -> None:
    """Machine-readable copyright, changelog.Debian.gz, md5sums matching the files, a man page from the parser."""
    doc = unpacked_deb / "usr/share/doc/algomesh-tray"
    copyright_text = (doc / "copyright").read_text()
    assert copyright_text.startswith("Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/")
    assert "License: Expat" in copyright_text and "License: LGPL-3" in copyright_text
    control = (unpacked_deb / "DEBIAN/control").read_text()
    changelog = gzip.decompress((doc / "changelog.Debian.gz").read_bytes()).decode()
    assert changelog.startswith(f"algomesh-tray ({_field(control, 'Version')}) ")
    checked = subprocess.run(["md5sum", "--check", "--quiet", "DEBIAN/md5sums"], cwd=unpacked_deb, capture_output=True)
    assert checked.returncode == 0, checked.stdout
    listed = len((unpacked_deb / "DEBIAN/md5sums").read_text().splitlines())
    assert listed == sum(
        1 for p in unpacked_deb.rglob("*") if p.is_file() and not p.is_symlink() and "DEBIAN" not in p.parts
    )
    man = gzip.decompress((unpacked_deb / "usr/share/man/man1/algomesh-tray.1.gz").read_bytes()).decode()
    assert ".SS history" in man and "\\-\\-format" in man and "\\-\\-data\\-dir" in man
    rendered = subprocess.run(
        ["man", "--warnings", "-l", "-Tutf8", "-Z", "-"], input=man, capture_output=True, text=True, timeout=60
    )
    assert rendered.returncode == 0 and rendered.stderr == "", rendered.stderr
    validation = subprocess.run(
        ["appstreamcli", "validate", "--no-net", str(unpacked_deb / METAINFO)], capture_output=True, text=True
    )
    assert validation.returncode == 0, validation.stdout + validation.stderr
    metainfo = (unpacked_deb / METAINFO).read_text()
    for part in ('<launchable type="desktop-id">algomesh-tray.desktop</launchable>', "<binary>algomesh-tray</binary>",
                 '<content_rating type="oars-1.1"/>', "<release version="):  # fmt: skip
        assert part in metainfo


def test_deb_menu_entry_validates_and_runs_the_command_on_the_path(unpacked_deb: Path) -> None:
    """desktop-file-validate passes; Exec is the plain command /usr/bin provides."""
    entry = unpacked_deb / "usr/share/applications/algomesh-tray.desktop"
    validation = subprocess.run(["desktop-file-validate", str(entry)], capture_output=True, text=True)
    assert validation.returncode == 0 and validation.stdout == "", validation.stdout
    assert "Exec=algomesh-tray\n" in entry.read_text()
    assert os.readlink(unpacked_deb / "usr/bin/algomesh-tray") == "/opt/algomesh-tray/algomesh-tray"


def test_depends_names_nothing_the_bundle_carries_and_sets_the_glibc_floor(unpacked_deb: Path) -> None:
    """Depends: libc6 at the newest GLIBC version any bundled file needs; no package whose library is bundled."""
    control = (unpacked_deb / "DEBIAN/control").read_text()
    depends = [d.strip() for d in _field(control, "Depends").split(",")]
    bundle = unpacked_deb / "opt/algomesh-tray"
    needed = set()
    for library in bundle.rglob("*.so*"):
        symbols = subprocess.run(["readelf", "-V", "-W", str(library)], capture_output=True, text=True).stdout
        needed.update(tuple(map(int, v)) for v in re.findall(r"Name: GLIBC_(\d+)\.(\d+)", symbols))
    floor = max(needed)
    assert depends[0] == f"libc6 (>= {floor[0]}.{floor[1]})"
    carried = {p.name for p in bundle.rglob("*.so*")}
    for package in depends[1:]:
        files = subprocess.run(["dpkg-query", "-L", package.split()[0]], capture_output=True, text=True).stdout
        shipped = {Path(f).name for f in files.splitlines()} & carried
        assert not shipped, f"{package} is in Depends, but the bundle carries {shipped}"


def test_bundle_libraries_are_0644_with_no_runpath_outside_the_bundle(linux_release: LinuxRelease) -> None:
    """No shared library is executable, and every RUNPATH entry is relative to the file ($ORIGIN)."""
    libraries = [p for p in linux_release.bundle.rglob("*.so*") if p.is_file() and not p.is_symlink()]
    assert libraries
    assert [p for p in libraries if p.stat().st_mode & 0o777 != 0o644] == []
    for library in libraries:
        dynamic = subprocess.run(["readelf", "-d", "-W", str(library)], capture_output=True, text=True).stdout
        for runpath in re.findall(r"\((?:RUNPATH|RPATH)\)\s+Library (?:runpath|rpath): \[([^\]]*)\]", dynamic):
            assert all(entry.startswith("$ORIGIN") for entry in runpath.split(":")), (library, runpath)
    assert not list(linux_release.bundle.rglob("libQt6EglFSDeviceIntegration.so*"))


def test_bundle_carries_the_licence_texts(linux_release: LinuxRelease) -> None:
    """Ours, Qt's LGPL notice with how to replace Qt, Python's, and each bundled package's own."""
    licences = linux_release.bundle / "_internal" / "licenses"
    assert "MIT License" in (licences / "LICENSE-algomesh-tray.txt").read_text()
    notice = (licences / "Qt" / "NOTICE.txt").read_text()
    assert "LGPL" in notice and "Replacing Qt" in notice
    assert "GNU LESSER GENERAL PUBLIC LICENSE" in (licences / "Qt" / "LGPL-3.0.txt").read_text()
    assert any(licences.glob("Python-3.*/LICENSE.txt"))
    packages = {p.name.rsplit("-", 1)[0].lower() for p in (licences / "python-packages").iterdir()}
    assert {"websockets", "qasync", "plyer", "httpx", "keyring", "platformdirs", "pyside6_essentials"} <= {
        name.replace("-", "_") for name in packages
    } | packages
    assert (linux_release.bundle / "LICENSE").is_file()  # the tarball's top level
    # Each library taken from the build machine's system: its Debian package's copyright file.
    covered = " ".join(f.read_text() for f in (licences / "system-libraries").glob("*/FILES.txt"))
    ours = ("libpython", "libpyside6", "libshiboken6", "libQt6", "libicu")  # Python's and Qt's notices
    system = [p.name for p in (linux_release.bundle / "_internal").glob("lib*.so*") if not p.name.startswith(ours)]
    assert system and [name for name in system if name not in covered] == []


@pytest.fixture
def tarball_in_awkward_folder(linux_release: LinuxRelease, tmp_path: Path) -> Iterator[tuple[Path, dict[str, str]]]:
    """The real tarball unpacked into a folder named R&D "tools", with a private XDG data folder."""
    folder = tmp_path / 'R&D "tools"'
    folder.mkdir()
    with tarfile.open(linux_release.tarball) as archive:
        archive.extractall(folder, filter="tar")
    data = tmp_path / "data"
    data.mkdir()
    yield folder / "algomesh-tray", {**os.environ, "XDG_DATA_HOME": str(data), "HOME": str(tmp_path)}


def test_tarball_menu_entry_installs_launches_and_removes_without_a_trace(
    tarball_in_awkward_folder: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    """install-menu-entry.sh from R&D "tools": a valid entry GLib can launch; --remove leaves nothing."""
    folder, env = tarball_in_awkward_folder
    data = Path(env["XDG_DATA_HOME"])
    done = subprocess.run([str(folder / "install-menu-entry.sh")], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    entry = data / "applications" / "algomesh-tray.desktop"
    validation = subprocess.run(["desktop-file-validate", str(entry)], capture_output=True, text=True)
    assert validation.returncode == 0 and validation.stdout == "", validation.stdout
    metainfo = data / "metainfo" / "com.algomesh.tray.metainfo.xml"
    validation = subprocess.run(["appstreamcli", "validate", "--no-net", str(metainfo)], capture_output=True, text=True)
    assert validation.returncode == 0, validation.stdout
    assert (data / "icons" / "hicolor" / "48x48" / "apps" / "algomesh-tray.png").is_file()
    assert (data / "icons" / "hicolor" / "scalable" / "apps" / "algomesh-tray.svg").is_file()

    # GLib parses Exec as a desktop does: the same entry, asking the bundle for its --version.
    (exec_line,) = [line for line in entry.read_text().splitlines() if line.startswith("Exec=")]
    probe = tmp_path / "probe.desktop"
    probe.write_text(entry.read_text().replace(exec_line, exec_line + " --version"))
    launched = subprocess.run(["gio", "launch", str(probe)], env=env, capture_output=True, text=True, timeout=120)
    assert launched.returncode == 0, launched.stderr
    assert launched.stdout.startswith("algomesh-tray "), launched.stdout + launched.stderr

    removed = subprocess.run(
        [str(folder / "install-menu-entry.sh"), "--remove"], env=env, capture_output=True, timeout=60
    )
    assert removed.returncode == 0, removed.stderr
    assert list(data.rglob("*")) == []
