"""What the installers say about the app, in one place: the spec, the build scripts and the
tests read it from here (the Windows and macOS parts cannot be built on Linux, so their
generated files are checked by unit tests instead)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

APP_NAME = "AlgoMesh Tray"
EXECUTABLE = "algomesh-tray"
#: Windows: the same program built as a console executable, so ``history`` and ``--help`` print in
#: a terminal (the GUI one has no console). The wheel has the same twin as a console script.
CONSOLE_EXECUTABLE = "algomesh-tray-cli"
BUNDLE_ID = "com.algomesh.tray"
#: Windows groups notifications and taskbar buttons by this; the app and its shortcut both set it.
APP_USER_MODEL_ID = "AlgoMesh.Tray"
PUBLISHER = "AlgoMesh Tray developers"
#: Inno Setup identifies the installation (and its upgrades) by this; never change it.
INNO_APP_ID = "{{6F1C1D2A-5B7E-4C3A-9E8F-A1B2C3D4E5F6}"
#: Every running instance holds a mutex of this name (algomesh_tray/platform/instance_lock.py): with it as
#: AppMutex, setup and the uninstaller ask the user to close the app first.
APP_MUTEX = "AlgoMeshTray"
#: The Run value the installer's task and the app's "Start at login" both write, and where
#: Windows' Startup apps page records it switched off (algomesh_tray/platform/autostart/windows.py).
RUN_KEY = r"Software\Microsoft\Windows\CurrentVersion\Run"
STARTUP_APPROVED_KEY = r"Software\Microsoft\Windows\CurrentVersion\Explorer\StartupApproved\Run"
RUN_VALUE = APP_NAME
#: Inno Setup registers an installation under this key (its AppId, "_is1" appended; per user here,
#: PrivilegesRequired=lowest): found at start-up, setup is an upgrade.
INNO_UNINSTALL_KEY = rf"Software\Microsoft\Windows\CurrentVersion\Uninstall\{INNO_APP_ID[1:]}_is1"
#: The user's own environment (HKCU): its Path gets the install folder, so algomesh-tray-cli runs in a terminal.
ENVIRONMENT_KEY = "Environment"
#: The oldest macOS each Qt release runs on, from doc.qt.io/qt-6.N/macos.html ("Supported
#: Configurations", target platform). The bundle must not claim less than the Qt it carries.
QT_MACOS_MINIMUM = {(6, 10): "13.0", (6, 11): "13.0", (6, 12): "14.4"}


def mac_minimum_system_version(qt_version: str) -> str:
    """LSMinimumSystemVersion for a bundle carrying Qt ``qt_version`` (e.g. "6.11.3")."""
    major, minor = (int(part) for part in qt_version.split(".")[:2])
    try:
        return QT_MACOS_MINIMUM[(major, minor)]
    except KeyError:
        raise ValueError(
            f"Qt {qt_version}: look up its oldest macOS on doc.qt.io/qt-{major}.{minor}/macos.html and add it "
            "to QT_MACOS_MINIMUM in packaging/metadata.py"
        ) from None


def bundle_datas(root: Path, platform: str) -> list[tuple[str, str]]:
    """PyInstaller ``datas``: resources/, and on Windows the .ico its notification balloons load
    (LoadImageW reads no SVG; packaging/render_icons.py writes it to build/icons first)."""
    datas = [(str(root / "resources"), "resources")]
    if platform == "win":
        datas.append((str(root / "build" / "icons" / f"{EXECUTABLE}.ico"), "resources/icons"))
    return datas


def pascal_string(text: str) -> str:
    """A string literal in Inno Setup's Pascal Script: single quotes, doubled inside."""
    return "'" + text.replace("'", "''") + "'"


def mac_info_plist(version: str, qt_version: str) -> dict[str, Any]:
    """Info.plist entries for the .app: a menu-bar app (LSUIElement), no Dock icon, and the
    oldest macOS the bundled Qt supports (older ones would open it and crash)."""
    return {
        "CFBundleName": APP_NAME,
        "CFBundleDisplayName": APP_NAME,
        "CFBundleIdentifier": BUNDLE_ID,
        "CFBundleShortVersionString": version,
        "CFBundleVersion": version,
        "LSUIElement": True,
        "LSMinimumSystemVersion": mac_minimum_system_version(qt_version),
        "NSHighResolutionCapable": True,
    }


def inno_setup_code() -> str:
    """The script's [Code]: start at login offered on a first install only, and the install folder
    on this user's Path (added once, taken out at uninstall) with the Run values' clean-up.

    Upgrades: the Run value and its StartupApproved twin belong to the user once installed (the
    app's checkbox, Windows' Startup apps page). Were the task offered again, UsePreviousTasks
    would tick it from the first install and rewrite both, turning start at login back on.
    tests/unit/test_inno_setup_code.py compiles this with Free Pascal against doubles of Inno's
    registry functions."""
    run_key, approved_key, run_value = (pascal_string(text) for text in (RUN_KEY, STARTUP_APPROVED_KEY, RUN_VALUE))
    environment, uninstall_key = pascal_string(ENVIRONMENT_KEY), pascal_string(INNO_UNINSTALL_KEY)
    return f"""var
  FreshInstall: Boolean;

// No earlier version registered under this AppId: a first install, not an upgrade.
function InitializeSetup: Boolean;
begin
  FreshInstall := not RegKeyExists(HKEY_CURRENT_USER, {uninstall_key});
  Result := True;
end;

// The start-at-login task's Check: on an upgrade the task is neither shown nor selected, so its
// [Registry] lines leave the user's Run value and StartupApproved mark as they are.
function IsFreshInstall: Boolean;
begin
  Result := FreshInstall;
end;

// Whether a Path entry names Dir: Windows compares them ignoring case, spaces and a trailing backslash.
function SameFolder(Entry, Dir: String): Boolean;
begin
  Entry := Trim(Entry);
  if (Length(Entry) > 1) and (Copy(Entry, Length(Entry), 1) = '\\') then
    Entry := Copy(Entry, 1, Length(Entry) - 1);
  Result := CompareText(Entry, Dir) = 0;
end;

// Path without its entries naming Dir; every other entry, empty ones too, kept as written.
function PathWithout(Path, Dir: String): String;
var
  Rest, Entry: String;
  At, Kept: Integer;
begin
  Result := '';
  Kept := 0;
  Rest := Path + ';';
  while Rest <> '' do
  begin
    At := Pos(';', Rest);
    Entry := Copy(Rest, 1, At - 1);
    Rest := Copy(Rest, At + 1, Length(Rest));
    if not SameFolder(Entry, Dir) then
    begin
      if Kept > 0 then
        Result := Result + ';';
      Result := Result + Entry;
      Kept := Kept + 1;
    end;
  end;
end;

// Appends Dir to this user's Path unless an entry names it already (an upgrade, a repair).
procedure AddToUserPath(Dir: String);
var
  Path: String;
begin
  if not RegQueryStringValue(HKEY_CURRENT_USER, {environment}, 'Path', Path) then
  begin
    if RegValueExists(HKEY_CURRENT_USER, {environment}, 'Path') then
      Exit;  // a Path that is not a string: left as the user has it, never replaced by ours alone
    Path := '';
  end;
  if PathWithout(Path, Dir) <> Path then
    Exit;
  if (Path <> '') and (Copy(Path, Length(Path), 1) <> ';') then
    Path := Path + ';';
  RegWriteExpandStringValue(HKEY_CURRENT_USER, {environment}, 'Path', Path + Dir);
end;

// Takes Dir's entries out of this user's Path, and the value with them if nothing else is left.
procedure RemoveFromUserPath(Dir: String);
var
  Path, Rest: String;
begin
  if not RegQueryStringValue(HKEY_CURRENT_USER, {environment}, 'Path', Path) then
    Exit;
  Rest := PathWithout(Path, Dir);
  if Rest = Path then
    Exit;
  if Trim(Rest) = '' then
    RegDeleteValue(HKEY_CURRENT_USER, {environment}, 'Path')
  else
    RegWriteExpandStringValue(HKEY_CURRENT_USER, {environment}, 'Path', Rest);
end;

procedure CurStepChanged(CurStep: TSetupStep);
begin
  if CurStep = ssPostInstall then
    AddToUserPath(ExpandConstant('{{app}}'));
end;

procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
begin
  // Before the log is undone: ChangesEnvironment's broadcast at its end then carries the new Path.
  if CurUninstallStep = usUninstall then
    RemoveFromUserPath(ExpandConstant('{{app}}'));
  if CurUninstallStep = usPostUninstall then
  begin
    RegDeleteValue(HKEY_CURRENT_USER, {run_key}, {run_value});
    RegDeleteValue(HKEY_CURRENT_USER, {approved_key}, {run_value});
  end;
end;
"""


def inno_setup_script(version: str, *, bundle_dir: Path, icon: Path, output_dir: Path) -> str:
    """The Inno Setup script: per-user install, Start-menu shortcut with the AppUserModelID,
    start at login offered on a first install (the same Run value the app's own checkbox writes),
    the install folder on the user's Path (for algomesh-tray-cli), uninstaller.

    Setup and uninstall wait for the running app to be closed (AppMutex). Uninstall removes the
    Run value and its StartupApproved twin whoever wrote them (the app's checkbox, Windows'
    Startup apps page), so no dead entry stays behind, and takes the folder off the Path."""
    quoted_exe = '"""{app}\\' + EXECUTABLE + '.exe"""'  # Inno doubles quotes inside a string
    return f"""; Generated by packaging/metadata.py -- do not edit.
[Setup]
AppId={INNO_APP_ID}
AppName={APP_NAME}
AppVersion={version}
AppPublisher={PUBLISHER}
DefaultDirName={{localappdata}}\\Programs\\{APP_NAME}
DefaultGroupName={APP_NAME}
PrivilegesRequired=lowest
OutputDir={output_dir}
OutputBaseFilename={EXECUTABLE}-{version}-windows-setup
SetupIconFile={icon}
UninstallDisplayIcon={{app}}\\{EXECUTABLE}.exe
Compression=lzma2
SolidCompression=yes
WizardStyle=modern
ArchitecturesInstallIn64BitMode=x64compatible
AppMutex={APP_MUTEX}
; The install folder goes on the user's Path: tell Explorer, so new terminals find {CONSOLE_EXECUTABLE}.
ChangesEnvironment=yes

[Tasks]
; Offered on a first install only (IsFreshInstall): an upgrade keeps the user's choice since.
Name: "startatlogin"; Description: "Start {APP_NAME} when I log in"; Flags: unchecked; Check: IsFreshInstall

[Files]
; The whole bundle: {EXECUTABLE}.exe (no console) and {CONSOLE_EXECUTABLE}.exe (for a terminal).
Source: "{bundle_dir}\\*"; DestDir: "{{app}}"; Flags: recursesubdirs ignoreversion

[Icons]
Name: "{{group}}\\{APP_NAME}"; Filename: "{{app}}\\{EXECUTABLE}.exe"; AppUserModelID: "{APP_USER_MODEL_ID}"
Name: "{{group}}\\Uninstall {APP_NAME}"; Filename: "{{uninstallexe}}"

[Registry]
Root: HKCU; Subkey: "{RUN_KEY}"; ValueType: string; \
ValueName: "{RUN_VALUE}"; ValueData: {quoted_exe}; Flags: uninsdeletevalue; Tasks: startatlogin
Root: HKCU; Subkey: "{STARTUP_APPROVED_KEY}"; ValueType: none; \
ValueName: "{RUN_VALUE}"; Flags: deletevalue; Tasks: startatlogin

[Run]
Filename: "{{app}}\\{EXECUTABLE}.exe"; Description: "Start {APP_NAME} now"; Flags: nowait postinstall skipifsilent

[UninstallRun]
Filename: "{{sys}}\\taskkill.exe"; Parameters: "/IM {EXECUTABLE}.exe /F"; Flags: runhidden; RunOnceId: "StopApp"

[Code]
{inno_setup_code()}"""


if __name__ == "__main__":  # python packaging/metadata.py iss VERSION BUNDLE_DIR ICON OUTPUT_DIR
    import sys

    _, kind, version, bundle, icon, output = sys.argv
    assert kind == "iss"
    print(inno_setup_script(version, bundle_dir=Path(bundle), icon=Path(icon), output_dir=Path(output)))
