"""What the Windows and macOS installers will contain, checked here where they cannot be built."""

from __future__ import annotations

import importlib.util
import plistlib
import re
import sys
from pathlib import Path

import PySide6
import pytest

from algomesh_tray import __version__, startup
from algomesh_tray.platform import instance_lock
from algomesh_tray.platform.autostart import windows

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "packaging"))

import metadata  # noqa: E402


def test_mac_bundle_is_a_menu_bar_app_with_the_version() -> None:
    """LSUIElement keeps it out of the Dock; the plist serialises as Info.plist does."""
    info = plistlib.loads(plistlib.dumps(metadata.mac_info_plist(__version__, PySide6.__version__)))
    assert info["LSUIElement"] is True
    assert info["CFBundleIdentifier"] == "com.algomesh.tray"
    assert info["CFBundleShortVersionString"] == __version__


def test_inno_setup_script_has_shortcut_id_autostart_and_paths() -> None:
    """Start-menu shortcut with the app's AppUserModelID, the same Run value as the app, our paths."""
    script = metadata.inno_setup_script(
        "1.2.3", bundle_dir=Path(r"C:\b\dist\algomesh-tray"), icon=Path(r"C:\b\i.ico"), output_dir=Path(r"C:\b\dist")
    )
    assert "AppVersion=1.2.3\n" in script
    assert f'AppUserModelID: "{startup.APP_USER_MODEL_ID}"' in script
    assert metadata.APP_USER_MODEL_ID == startup.APP_USER_MODEL_ID
    assert f'Subkey: "{windows.RUN_KEY}"' in script and f'ValueName: "{windows.RUN_VALUE}"' in script
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


def test_mac_minimum_version_is_the_bundled_qts_documented_minimum() -> None:
    """Qt 6.10 and 6.11 need macOS 13, 6.12 needs 14.4 (doc.qt.io); an unknown Qt stops the build."""
    assert metadata.mac_info_plist("1.0", "6.11.3")["LSMinimumSystemVersion"] == "13.0"
    assert metadata.mac_minimum_system_version("6.10.0") == "13.0"
    assert metadata.mac_minimum_system_version("6.12.1") == "14.4"
    with pytest.raises(ValueError, match=re.escape("doc.qt.io/qt-6.13/macos.html")):
        metadata.mac_minimum_system_version("6.13.0")
    # The Qt this checkout installs (pyproject's pin) is one the table knows.
    assert metadata.mac_minimum_system_version(PySide6.__version__)
    spec = (ROOT / "packaging" / "algomesh-tray.spec").read_text()
    assert "mac_info_plist(__version__, PySide6.__version__)" in spec


def inno_script() -> str:
    return metadata.inno_setup_script(
        "1.2.3", bundle_dir=Path(r"C:\b\dist"), icon=Path(r"C:\b\i.ico"), output_dir=Path(r"C:\b\dist")
    )


def inno_section(script: str, name: str) -> list[str]:
    """The non-empty lines of one [Section] of an Inno Setup script."""
    found = re.search(rf"^\[{name}\]\n(.*?)(?=^\[|\Z)", script, re.MULTILINE | re.DOTALL)
    assert found, f"no [{name}] section"
    return [line for line in found[1].splitlines() if line.strip()]


def test_setup_and_uninstall_wait_for_the_running_app() -> None:
    """AppMutex names the mutex every running instance holds (instance_lock.INSTALLER_MUTEX)."""
    assert f"AppMutex={instance_lock.INSTALLER_MUTEX}" in inno_section(inno_script(), "Setup")


def test_the_code_section_has_no_brace_outside_a_string() -> None:
    """Braces open comments in Pascal Script: one outside a string literal would swallow code.
    What the code does is run in tests/unit/test_inno_setup_code.py."""
    code = inno_section(inno_script(), "Code")
    assert not any("{" in re.sub(r"'[^']*'", "", line) for line in code)
    assert "procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);" in code


def test_start_at_login_is_a_first_install_task_and_the_path_change_is_announced() -> None:
    """The task (and so both its [Registry] lines) exists only when IsFreshInstall: an upgrade's
    UsePreviousTasks cannot tick it again. ChangesEnvironment tells Explorer the Path changed."""
    script = inno_script()
    assert inno_section(script, "Tasks") == [
        "; Offered on a first install only (IsFreshInstall): an upgrade keeps the user's choice since.",
        'Name: "startatlogin"; Description: "Start AlgoMesh Tray when I log in"; '
        "Flags: unchecked; Check: IsFreshInstall",
    ]
    assert "ChangesEnvironment=yes" in inno_section(script, "Setup")
    assert "function IsFreshInstall: Boolean;" in inno_section(script, "Code")


def test_pascal_strings_double_their_quotes() -> None:
    """A quote in a name cannot end the Pascal string early."""
    assert metadata.pascal_string("O'Brien's Tray") == "'O''Brien''s Tray'"
    assert metadata.RUN_KEY == windows.RUN_KEY and metadata.STARTUP_APPROVED_KEY == windows.STARTUP_APPROVED_KEY


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


def test_the_bundles_licences_note_the_apps_own_icons_and_sound(tmp_path: Path) -> None:
    """third_party.collect puts the assets' note (ours, MIT, how the sound was made) beside our licence."""
    import third_party

    out = third_party.collect(tmp_path / "licenses")
    note = (out / "ASSETS-algomesh-tray.txt").read_text()
    assert "sounds/algomesh-alert.wav" in note and "packaging/make_sound.py" in note and "MIT" in note
    assert (out / "LICENSE-algomesh-tray.txt").is_file()


def test_the_shipped_sounds_are_what_make_sound_makes(tmp_path: Path) -> None:
    """resources/sounds/algomesh-*.wav are the script's output, byte for byte: they can be made again."""
    import make_sound

    made = make_sound.write_all(tmp_path)
    shipped = sorted((ROOT / "resources" / "sounds").glob("*.wav"))
    assert [path.name for path in shipped] == sorted(path.name for path in made)
    assert all(path.read_bytes() == (tmp_path / path.name).read_bytes() for path in shipped)


def test_the_debian_copyright_gives_the_bundled_resources_our_licence() -> None:
    """The icons and the sound under _internal/resources are ours (Expat), not "bundled components":
    their stanza comes after the _internal/* one, since in DEP-5 the last matching stanza wins."""
    sys.path.insert(0, str(ROOT / "packaging" / "linux"))
    import deb_files

    text = deb_files.copyright_file()
    ours = text.index("Files: opt/algomesh-tray/_internal/resources/*\nCopyright: 2026 AlgoMesh Tray contributors\n"
                      "License: Expat\n")  # fmt: skip
    assert text.index("Files: opt/algomesh-tray/_internal/*\n") < ours
