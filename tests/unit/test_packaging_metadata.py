"""What the Windows and macOS installers will contain, checked here where they cannot be built."""

from __future__ import annotations

import importlib.util
import plistlib
import sys
from pathlib import Path

from algomesh_tray import __version__, app, autostart

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "packaging"))

import metadata  # noqa: E402


def test_mac_bundle_is_a_menu_bar_app_with_the_version() -> None:
    """LSUIElement keeps it out of the Dock; the plist serialises as Info.plist does."""
    info = plistlib.loads(plistlib.dumps(metadata.mac_info_plist(__version__)))
    assert info["LSUIElement"] is True
    assert info["CFBundleIdentifier"] == "com.algomesh.tray"
    assert info["CFBundleShortVersionString"] == __version__


def test_inno_setup_script_has_shortcut_id_autostart_and_paths() -> None:
    """Start-menu shortcut with the app's AppUserModelID, the same Run value as the app, our paths."""
    script = metadata.inno_setup_script(
        "1.2.3", bundle_dir=Path(r"C:\b\dist\algomesh-tray"), icon=Path(r"C:\b\i.ico"), output_dir=Path(r"C:\b\dist")
    )
    assert "AppVersion=1.2.3\n" in script
    assert f'AppUserModelID: "{app.APP_USER_MODEL_ID}"' in script
    assert metadata.APP_USER_MODEL_ID == app.APP_USER_MODEL_ID
    assert f'Subkey: "{autostart.RUN_KEY}"' in script and f'ValueName: "{autostart.RUN_VALUE}"' in script
    assert 'Source: "C:\\b\\dist\\algomesh-tray\\*"' in script
    assert "SetupIconFile=C:\\b\\i.ico\n" in script
    assert "{uninstallexe}" in script and "PrivilegesRequired=lowest" in script


def test_spec_collects_plyers_backend_for_every_platform() -> None:
    """plyer loads its backend by name: the spec must name it, or the bundle cannot notify."""
    spec = (ROOT / "packaging" / "algomesh-tray.spec").read_text()
    assert 'hidden = [f"plyer.platforms.{PLATFORM}.notification"]' in spec
    assert '{"linux": "linux", "win32": "win", "darwin": "macosx"}' in spec
    plyer_platforms = Path(importlib.util.find_spec("plyer.platforms").origin).parent  # type: ignore[union-attr,arg-type]
    for platform in ("linux", "win", "macosx"):
        assert (plyer_platforms / platform / "notification.py").is_file()


def test_windows_has_a_console_twin_in_the_wheel_the_spec_and_the_installer() -> None:
    """algomesh-tray has no console on Windows; algomesh-tray-cli (console) prints history and --help there."""
    pyproject = (ROOT / "pyproject.toml").read_text()
    scripts = pyproject.split("[project.scripts]", 1)[1].split("\n[", 1)[0]
    gui_scripts = pyproject.split("[project.gui-scripts]", 1)[1].split("\n[", 1)[0]
    assert f'{metadata.CONSOLE_EXECUTABLE} = "algomesh_tray.cli:main"' in scripts
    assert 'algomesh-tray = "algomesh_tray.cli:main"' in gui_scripts
    spec = (ROOT / "packaging" / "algomesh-tray.spec").read_text()
    assert "name=CONSOLE_EXECUTABLE, console=True" in spec
    assert "name=EXECUTABLE,\n    console=False" in spec
    assert "COLLECT(*executables," in spec and 'if PLATFORM == "win":\n    # The GUI executable has no console' in spec
    script = metadata.inno_setup_script(
        "1.2.3", bundle_dir=Path(r"C:\b\dist\algomesh-tray"), icon=Path(r"C:\b\i.ico"), output_dir=Path(r"C:\b\dist")
    )
    files = script.split("[Files]", 1)[1].split("\n[", 1)[0]
    assert f"{metadata.CONSOLE_EXECUTABLE}.exe" in files  # said where it is installed ...
    assert 'Source: "C:\\b\\dist\\algomesh-tray\\*"; DestDir: "{app}"; Flags: recursesubdirs' in files  # ... and is
