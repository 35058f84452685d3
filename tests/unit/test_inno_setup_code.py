"""The installer's Pascal [Code], compiled with Free Pascal against doubles of Inno Setup's
registry functions (tests/inno_double.pas) and run through setup's and the uninstaller's events:
the upgrade that must not offer start at login again, and the user's Path kept whole."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "packaging"))

import metadata  # noqa: E402

APP = r"C:\Users\Ann\AppData\Local\Programs\AlgoMesh Tray"
ENV = metadata.ENVIRONMENT_KEY

DRIVER = """program InnoCode;
{$mode delphi}{$H+}
uses SysUtils, InnoDouble;
{$I code.inc}
begin
  AppDir := ParamStr(2);
  LoadRegistry(ParamStr(3));
  if ParamStr(1) = 'install' then
  begin
    InitializeSetup;
    WriteLn('start at login offered: ', IsFreshInstall);
    CurStepChanged(ssInstall);
    CurStepChanged(ssPostInstall);
    CurStepChanged(ssDone);
  end
  else
  begin
    CurUninstallStepChanged(usAppMutexCheck);
    CurUninstallStepChanged(usUninstall);
    CurUninstallStepChanged(usPostUninstall);
    CurUninstallStepChanged(usDone);
  end;
  SaveRegistry(ParamStr(3));
end.
"""

Registry = dict[tuple[str, str], tuple[str, str]]  # (key, value name) -> (type, data)


@pytest.fixture(scope="module")
def inno_code(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The [Code] section of the generated script, built into a program with the doubles."""
    fpc = shutil.which("fpc")
    if fpc is None:
        pytest.skip("Free Pascal is missing: sudo apt-get install fp-compiler (tests/run.sh installs it)")
    build = tmp_path_factory.mktemp("inno")
    script = metadata.inno_setup_script(
        "1.2.3", bundle_dir=Path("C:/b"), icon=Path("C:/b/i.ico"), output_dir=Path("C:/")
    )
    (build / "code.inc").write_text(script.split("\n[Code]\n", 1)[1])
    (build / "inno_code.pas").write_text(DRIVER)
    shutil.copy(ROOT / "tests" / "inno_double.pas", build / "innodouble.pas")
    result = subprocess.run(
        [fpc, "-Mdelphi", "-Sh", "-vewn", "-Sew", f"-FU{build}", "inno_code.pas"],
        cwd=build, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    return build / "inno_code"


def run(program: Path, step: str, registry: Registry, *, keys: tuple[str, ...] = ()) -> tuple[str, Registry]:
    """Run setup ("install") or the uninstaller on a registry holding ``registry`` and ``keys``."""
    state = program.parent / "registry.txt"
    lines = [f"K|{key}" for key in keys] + [f"K|{key}" for key, _ in registry]
    lines += [f"V|{key}|{name}|{kind}|{data}" for (key, name), (kind, data) in registry.items()]
    state.write_text("\n".join(lines) + "\n")
    result = subprocess.run([program, step, APP, state], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stdout + result.stderr
    after: Registry = {}
    for line in state.read_text().splitlines():
        if line.startswith("V|"):
            _, key, name, kind, data = line.split("|", 4)
            after[(key, name)] = (kind, data)
    return result.stdout, after


def path_after(program: Path, step: str, path: str | None) -> str | None:
    """The user's Path value after ``step``, starting from ``path`` (None: no value)."""
    registry: Registry = {} if path is None else {(ENV, "Path"): ("REG_EXPAND_SZ", path)}
    _, after = run(program, step, registry)
    value = after.get((ENV, "Path"))
    if value is not None:
        assert value[0] == "REG_EXPAND_SZ"  # %VARIABLES% in the user's entries keep working
    return None if value is None else value[1]


def test_start_at_login_is_offered_on_a_first_install_only(inno_code: Path) -> None:
    """An earlier version's uninstall key (AppId + "_is1") makes the task's Check false."""
    first, _ = run(inno_code, "install", {})
    assert "start at login offered: TRUE" in first
    upgrade, _ = run(inno_code, "install", {}, keys=(metadata.INNO_UNINSTALL_KEY.upper(),))
    assert "start at login offered: FALSE" in upgrade


def test_an_upgrade_leaves_the_run_value_and_a_disabled_mark_alone(inno_code: Path) -> None:
    """Setup's code writes nothing under Run or StartupApproved: a Disabled set in Startup apps stays."""
    disabled = "03000000a1b2c3d4e5f60708"
    registry: Registry = {
        (metadata.RUN_KEY, metadata.RUN_VALUE): ("REG_SZ", f'"{APP}\\algomesh-tray.exe"'),
        (metadata.STARTUP_APPROVED_KEY, metadata.RUN_VALUE): ("REG_BINARY", disabled),
    }
    _, after = run(inno_code, "install", registry, keys=(metadata.INNO_UNINSTALL_KEY,))
    assert {key: value for key, value in after.items() if key[0] != ENV} == registry


def test_setup_puts_the_install_folder_on_the_users_path_once(inno_code: Path) -> None:
    """Appended after the user's entries (kept as written, %VARIABLES% and all); an upgrade adds no second one."""
    assert path_after(inno_code, "install", None) == APP
    assert path_after(inno_code, "install", "") == APP
    assert path_after(inno_code, "install", r"%USERPROFILE%\bin") == rf"%USERPROFILE%\bin;{APP}"
    assert path_after(inno_code, "install", "C:\\x;") == f"C:\\x;{APP}"
    again = path_after(inno_code, "install", rf"C:\x;{APP}")
    assert again == rf"C:\x;{APP}"
    # Windows' comparison: case, surrounding spaces and a trailing backslash do not make it another folder.
    assert path_after(inno_code, "install", rf"{APP.upper()}\ ;C:\x") == rf"{APP.upper()}\ ;C:\x"


def test_a_path_that_is_not_a_string_is_left_as_it_is(inno_code: Path) -> None:
    """RegQueryStringValue fails on a Path of another type: setup must not replace it with its folder alone."""
    odd = {(ENV, "Path"): ("REG_BINARY", "433a5c78")}
    _, after = run(inno_code, "install", odd)
    assert after == odd


def test_uninstall_takes_only_its_folder_off_the_path(inno_code: Path) -> None:
    """Every entry naming the folder goes; the rest stays as written; a Path left empty is deleted."""
    assert path_after(inno_code, "uninstall", rf"C:\x;{APP};;%HOME%\y") == r"C:\x;;%HOME%\y"
    assert path_after(inno_code, "uninstall", rf"{APP}\;C:\x;{APP.lower()}") == r"C:\x"
    assert path_after(inno_code, "uninstall", APP) is None
    assert path_after(inno_code, "uninstall", rf"C:\x;{APP} Beta") == rf"C:\x;{APP} Beta"
    assert path_after(inno_code, "uninstall", None) is None


def test_uninstall_removes_the_run_value_and_its_startup_approved_twin(inno_code: Path) -> None:
    """Whoever wrote them (the app's checkbox, Startup apps), in any case; other programs' values stay."""
    registry: Registry = {
        (metadata.RUN_KEY.lower(), metadata.RUN_VALUE.upper()): ("REG_SZ", "x"),
        (metadata.STARTUP_APPROVED_KEY, metadata.RUN_VALUE): ("REG_BINARY", "030000000000000000000000"),
        (metadata.RUN_KEY, "Another App"): ("REG_SZ", "y"),
    }
    _, after = run(inno_code, "uninstall", registry)
    assert after == {(metadata.RUN_KEY, "Another App"): ("REG_SZ", "y")}
