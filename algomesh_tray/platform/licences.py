"""Where this install keeps the licence texts: ours (MIT) and those of what it redistributes.

The About box quotes :func:`licence_notices`. A PyInstaller bundle (.deb, tarball, Windows and
macOS installers) carries every text in ``licenses/`` beside its resources, collected at build
time by ``packaging/third_party.py``. A wheel or a source checkout redistributes nothing: each
library's licence is in its own installed metadata, and ours is in the wheel's metadata or the
checkout's LICENSE.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

__all__ = ["LicenceNotices", "licence_notices"]

DISTRIBUTION = "algomesh-tray"


@dataclass(frozen=True, slots=True)
class LicenceNotices:
    """A folder to show, and one sentence saying what is there."""

    folder: Path
    text: str


def _own_licence(package_dir: Path) -> Path | None:
    checkout = package_dir.parent / "LICENSE"
    if checkout.is_file():
        return checkout
    try:
        files = metadata.distribution(DISTRIBUTION).files or []
    except metadata.PackageNotFoundError:
        return None
    for file in files:
        if file.name == "LICENSE":
            return Path(str(file.locate()))
    return None


def licence_notices(*, bundle: str | None = None, package_dir: Path | None = None) -> LicenceNotices:
    """Where the licence texts are for this install (``bundle``: ``sys._MEIPASS`` when frozen)."""
    bundle = bundle if bundle is not None else getattr(sys, "_MEIPASS", None)
    if bundle is not None:
        folder = Path(bundle) / "licenses"
        return LicenceNotices(
            folder,
            f"AlgoMesh Tray is MIT-licensed. The licences of the software it includes (Qt and "
            f"PySide6 under the LGPLv3, which you may replace; Python; the libraries) are in {folder}.",
        )
    package_dir = package_dir if package_dir is not None else Path(__file__).resolve().parents[1]
    own = _own_licence(package_dir)
    site = package_dir.parent
    where = f"its text is in {own}" if own else "its text comes with the package's metadata"
    return LicenceNotices(
        own.parent if own else site,
        f"AlgoMesh Tray is MIT-licensed ({where}). Qt, PySide6 and the other libraries are installed "
        f"separately, each with its own licence in its package's metadata under {site}.",
    )
