"""Collects the licence texts of everything a bundle redistributes, into one ``licenses/`` folder.

Read from what is installed, not typed in by hand: each Python distribution's own licence files
(its wheel metadata), Python's LICENSE.txt, and on Debian/Ubuntu the copyright file of the system
package each bundled shared library came from. Qt and PySide6 wheels carry no licence file, so
their LGPLv3 notice (with how to replace Qt) comes from ``packaging/licenses/``.

    python packaging/third_party.py OUT_DIR [BUNDLED_LIBRARY...]
"""

from __future__ import annotations

import contextlib
import re
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path

__all__ = ["QT_NOTICE", "collect", "runtime_distributions"]

ROOT = Path(__file__).resolve().parents[1]
LICENSE_NAME = re.compile(r"(LICEN[CS]E|COPYING|NOTICE|AUTHORS)[^/]*$", re.IGNORECASE)
#: The bootloader and the hooks that run inside a PyInstaller bundle (GPL with a bundling exception).
BUNDLER = "pyinstaller"

QT_NOTICE = """\
Qt 6 and PySide6 (Qt for Python) in this bundle
================================================

AlgoMesh Tray bundles Qt 6 and PySide6/Shiboken6, from the PySide6-Essentials and shiboken6
wheels on PyPI (https://pypi.org/project/PySide6-Essentials/). The Qt Company and the Qt
contributors publish them under the GNU Lesser General Public License version 3 (LGPL-3.0-only),
whose text is in LGPL-3.0.txt beside this file; the LGPL adds permissions to the GNU GPL version 3,
in GPL-3.0.txt. Qt's ICU libraries are under the Unicode licence (see ICU in this folder where the
build machine provided it, or https://github.com/unicode-org/icu/blob/main/LICENSE).

Source code: https://download.qt.io/official_releases/qt/ (Qt) and
https://download.qt.io/official_releases/QtForPython/ (PySide6, Shiboken6), at the version below.

Replacing Qt: the Qt libraries are separate shared libraries, loaded at run time, and you may
replace them with your own build of the same Qt version (modified or not):
  Linux:   the libQt6*.so.6 files in _internal/PySide6/Qt/lib/ of the bundle
           (/opt/algomesh-tray/_internal/PySide6/Qt/lib/ for the .deb)
  Windows: the Qt6*.dll files in _internal\\PySide6\\ of the install folder
  macOS:   the Qt*.framework folders in Contents/Frameworks/PySide6/Qt/lib/ of the app
PySide6 and Shiboken6 (the _internal/PySide6 and _internal/shiboken6 folders) can be replaced the
same way with a build of the same version.
"""


def _requirement_name(requirement: str) -> str | None:
    """The distribution a requirement line names, or None when it only applies to an extra."""
    if ";" in requirement and "extra" in requirement.split(";", 1)[1]:
        return None
    found = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    return found[1] if found else None


def runtime_distributions(root: str = "algomesh-tray") -> list[metadata.Distribution]:
    """The installed distribution ``root`` needs at run time, with everything it requires, in turn."""
    seen: dict[str, metadata.Distribution] = {}
    pending = [root]
    while pending:
        name = pending.pop()
        key = re.sub(r"[-_.]+", "-", name).lower()
        if key in seen:
            continue
        try:
            distribution = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue  # a requirement for another platform (pywin32 on Linux, …)
        seen[key] = distribution
        for requirement in distribution.requires or []:
            if ";" in requirement and not _marker_holds(requirement.split(";", 1)[1]):
                continue
            required = _requirement_name(requirement)
            if required:
                pending.append(required)
    return sorted(seen.values(), key=lambda d: d.metadata["Name"].lower())


def _marker_holds(marker: str) -> bool:
    """Whether an environment marker applies here (extras never do: the app installs none)."""
    try:
        from packaging.markers import Marker
    except ImportError:  # without "packaging", take every requirement: a notice too many is harmless
        return "extra" not in marker
    return Marker(marker).evaluate({"extra": ""})


def _licence_files(distribution: metadata.Distribution) -> list[Path]:
    files = [Path(str(distribution.locate_file(f))) for f in distribution.files or []]
    found = [f for f in files if f.is_file() and LICENSE_NAME.search(f.name) and f.suffix not in {".py", ".pyc"}]
    return sorted(set(found))


def _copy_distribution(distribution: metadata.Distribution, out: Path) -> None:
    name, version = distribution.metadata["Name"], distribution.version
    folder = out / f"{name}-{version}"
    folder.mkdir(parents=True, exist_ok=True)
    files = _licence_files(distribution)
    for path in files:
        shutil.copyfile(path, folder / path.name)
    declared = distribution.metadata.get("License-Expression") or distribution.metadata.get("License") or ""
    classifiers = [c for c in distribution.metadata.get_all("Classifier") or [] if c.startswith("License ::")]
    summary = [f"{name} {version}", f"Licence: {declared.strip() or 'see classifiers'}", *classifiers]
    if not files:
        summary.append("The distribution ships no licence file; its licence is the one named above.")
    (folder / "METADATA-LICENSE.txt").write_text("\n".join(summary) + "\n")


def _python_licence(out: Path) -> None:
    folder = out / f"Python-{sys.version.split()[0]}"
    folder.mkdir(parents=True, exist_ok=True)
    candidates = [
        Path(sysconfig.get_paths()["stdlib"]) / "LICENSE.txt",
        Path(f"/usr/share/doc/python{sys.version_info.major}.{sys.version_info.minor}/copyright"),
    ]
    for candidate in candidates:
        if candidate.is_file():
            shutil.copyfile(candidate, folder / "LICENSE.txt")
            return
    (folder / "LICENSE.txt").write_text("Python Software Foundation License Version 2 (PSF-2.0)\n")


def _debian_packages(libraries: Iterable[Path]) -> dict[str, list[str]]:
    """Which Debian/Ubuntu package each library file came from (none off Debian or for our own)."""
    paths: list[str] = []
    for library in libraries:
        if library.is_absolute():
            real = str(library.resolve())  # merged /usr: dpkg may know it under /lib, or /usr/lib
            other = real.removeprefix("/usr") if real.startswith("/usr/") else "/usr" + real
            paths += [real, other]
    if not paths or not shutil.which("dpkg-query"):
        return {}
    found = subprocess.run(["dpkg-query", "-S", *paths], capture_output=True, text=True, check=False)
    owners: dict[str, list[str]] = {}
    for line in found.stdout.splitlines():
        package, _, path = line.partition(": ")
        owners.setdefault(package.split(":")[0], []).append(Path(path).name)
    return owners


def _system_libraries(libraries: Iterable[Path], out: Path) -> None:
    for package, names in sorted(_debian_packages(libraries).items()):
        copyright_file = Path("/usr/share/doc") / package / "copyright"
        if not copyright_file.is_file():
            continue
        folder = out / "system-libraries" / package
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(copyright_file, folder / "copyright")
        (folder / "FILES.txt").write_text("Bundled from this package: " + ", ".join(sorted(names)) + "\n")


def collect(out: Path, bundled_libraries: Iterable[Path] = ()) -> Path:
    """Write every notice under ``out`` (emptied first) and return it."""
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    shutil.copyfile(ROOT / "LICENSE", out / "LICENSE-algomesh-tray.txt")
    shutil.copyfile(ROOT / "packaging" / "licenses" / "ASSETS.txt", out / "ASSETS-algomesh-tray.txt")  # icons, sound
    distributions = [d for d in runtime_distributions() if d.metadata["Name"].lower() != "algomesh-tray"]
    with contextlib.suppress(metadata.PackageNotFoundError):
        distributions.append(metadata.distribution(BUNDLER))
    for distribution in distributions:
        _copy_distribution(distribution, out / "python-packages")
    _python_licence(out)
    qt = out / "Qt"
    qt.mkdir()
    version = metadata.version("PySide6-Essentials")
    (qt / "NOTICE.txt").write_text(QT_NOTICE + f"\nVersion in this bundle: {version}\n")
    for text in ("LGPL-3.0.txt", "GPL-3.0.txt"):
        shutil.copyfile(ROOT / "packaging" / "licenses" / text, qt / text)
    icu = Path("/usr/share/doc")
    for candidate in sorted(icu.glob("libicu[0-9]*/copyright")):
        shutil.copyfile(candidate, qt / "ICU")
        break
    _system_libraries(bundled_libraries, out)
    return out


if __name__ == "__main__":
    collect(Path(sys.argv[1]), [Path(p) for p in sys.argv[2:]])
