"""Where the About box tells the user the licence texts are, for a bundle, a checkout and a wheel."""

from __future__ import annotations

from pathlib import Path

from algomesh_tray.platform.licences import licence_notices

ROOT = Path(__file__).resolve().parents[3]


def test_a_bundle_points_at_its_licenses_folder(tmp_path: Path) -> None:
    """Frozen (sys._MEIPASS): the licenses/ folder the build collected, named in the sentence."""
    notices = licence_notices(bundle=str(tmp_path))
    assert notices.folder == tmp_path / "licenses"
    assert str(tmp_path / "licenses") in notices.text and "LGPLv3" in notices.text


def test_a_checkout_points_at_its_license_file() -> None:
    """From the source checkout: the repository's MIT LICENSE."""
    notices = licence_notices(bundle=None, package_dir=ROOT / "algomesh_tray")
    assert notices.folder == ROOT
    assert str(ROOT / "LICENSE") in notices.text
    assert "MIT License" in (ROOT / "LICENSE").read_text()
    assert "AlgoMesh Tray contributors" in (ROOT / "LICENSE").read_text()


def test_a_package_dir_without_a_checkout_falls_back_to_installed_metadata(tmp_path: Path) -> None:
    """No LICENSE beside the package: the installed distribution's metadata (or, failing that, site-packages)."""
    package_dir = tmp_path / "site" / "algomesh_tray"
    package_dir.mkdir(parents=True)
    notices = licence_notices(bundle=None, package_dir=package_dir)
    assert notices.folder.exists()
    assert str(tmp_path / "site") in notices.text
