"""Start at login on Windows: the Run value and its StartupApproved twin, through a winreg double
that fails as the real API does."""

from __future__ import annotations

from algomesh_tray.platform.autostart import Autostart
from algomesh_tray.platform.autostart.windows import startup_approved_disabled

from ....windows_doubles import Registry

# -- Windows, through a winreg double (tests/windows_doubles.py) -----------------------------------

RUN = r"Software\Microsoft\Windows\CurrentVersion\Run"
APPROVED = r"Software\Microsoft\Windows\CurrentVersion\Explorer\StartupApproved\Run"
#: What Windows' Startup apps page writes: 03 and when it was switched off (a FILETIME).
DISABLED = bytes.fromhex("03000000d40d438dc83bd901")
ENABLED = bytes.fromhex("020000000000000000000000")
EXE = r"C:\Users\Ana\AppData\Local\Programs\AlgoMesh Tray\algomesh-tray.exe"


def windows(registry: Registry) -> Autostart:
    """Autostart as on Windows, over ``registry``."""
    return Autostart(platform="win32", registry=registry)


def test_windows_on_writes_the_quoted_run_value_and_off_removes_it() -> None:
    """The Run value quotes a path with spaces; turning it off twice is no error."""
    registry = Registry()
    autostart = windows(registry)
    assert not autostart.is_enabled()  # no Run key at all yet: FileNotFoundError, read as "off"
    autostart.set_enabled(True, [EXE])
    assert registry.values(RUN) == {"AlgoMesh Tray": f'"{EXE}"'}
    assert autostart.is_enabled()
    autostart.set_enabled(False)
    autostart.set_enabled(False)
    assert registry.values(RUN) == {} and not autostart.is_enabled()


def test_windows_switched_off_in_startup_apps_reads_as_off() -> None:
    """A Run value Windows' Startup apps page disabled does not start: the checkbox says off."""
    registry = Registry()
    registry.put(RUN, "AlgoMesh Tray", f'"{EXE}"', Registry.REG_SZ)
    registry.put(APPROVED, "AlgoMesh Tray", DISABLED, Registry.REG_BINARY)
    assert not windows(registry).is_enabled()
    registry.put(APPROVED, "AlgoMesh Tray", ENABLED, Registry.REG_BINARY)
    assert windows(registry).is_enabled()
    registry.put(APPROVED, "algomesh tray", bytes.fromhex("07000000d40d438dc83bd901"), Registry.REG_BINARY)
    assert not windows(registry).is_enabled()  # value names are case-insensitive; 07 is "off" too


def test_windows_turning_it_on_clears_a_disabled_left_in_startup_apps() -> None:
    """Ticking the box is the user's latest word: the Disabled mark goes, other apps' stay."""
    registry = Registry()
    registry.put(RUN, "AlgoMesh Tray", f'"{EXE}"', Registry.REG_SZ)
    registry.put(APPROVED, "AlgoMesh Tray", DISABLED, Registry.REG_BINARY)
    registry.put(APPROVED, "OneDrive", DISABLED, Registry.REG_BINARY)
    autostart = windows(registry)
    autostart.set_enabled(True, [EXE])
    assert autostart.is_enabled()
    assert registry.values(APPROVED) == {"OneDrive": DISABLED}
    registry.put(APPROVED, "AlgoMesh Tray", DISABLED, Registry.REG_BINARY)
    autostart.set_enabled(False)
    assert registry.values(APPROVED) == {"OneDrive": DISABLED} and registry.values(RUN) == {}


def test_windows_without_a_startup_approved_key_the_run_value_decides() -> None:
    """A fresh profile has no StartupApproved key: on and off work and nothing is created there."""
    registry = Registry()
    autostart = windows(registry)
    autostart.set_enabled(True, [EXE])
    autostart.set_enabled(False)
    assert APPROVED.lower() not in registry.keys


def test_startup_approved_reads_only_the_switch_bit() -> None:
    """02/06 are on, 03/07 off; no value or another type leaves the Run value in charge."""
    assert [startup_approved_disabled(bytes([first]) + bytes(11)) for first in (2, 3, 6, 7)] == [
        False,
        True,
        False,
        True,
    ]
    assert not startup_approved_disabled(None) and not startup_approved_disabled(3)


# -- macOS ---------------------------------------------------------------------------------------
