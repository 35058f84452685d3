# Build the Windows release: the one-folder bundle and an Inno Setup installer.
#   powershell -ExecutionPolicy Bypass -File packaging\build-windows.ps1
# Needs Python 3.11+ and Inno Setup 6 (iscc.exe; preinstalled on GitHub's Windows runners), and
# signtool (Windows SDK) to sign; checks them before it starts and stops naming what is missing.
# Signs both executables and the installer when WINDOWS_CERTIFICATE (a base64 .pfx) and
# WINDOWS_CERTIFICATE_PASSWORD are set; says so and builds unsigned when they are not.
$ErrorActionPreference = "Stop"  # stops on PowerShell errors only: native tools are checked below

function Invoke-Native([string]$What, [scriptblock]$Command) {
    # A native tool's failure sets $LASTEXITCODE and nothing else: check it after every call.
    & $Command
    if ($LASTEXITCODE -ne 0) { throw "$What failed (exit code $LASTEXITCODE)" }
}

Set-Location (Join-Path $PSScriptRoot "..")

# Every native tool this build calls is found here, before anything starts, with the line that
# installs it; the build stops naming each one that is missing. Later calls use these paths only.
$missing = [System.Collections.Generic.List[string]]::new()
function Find-Tool([string]$Name, [string[]]$Places, [string]$Install) {
    $found = (Get-Command $Name -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1).Source
    if (-not $found) { $found = $Places | Where-Object { $_ -and (Test-Path $_) } | Select-Object -First 1 }
    if (-not $found) { $missing.Add("  ${Name}: $Install") }
    return $found
}
$python = "build\venv\Scripts\python.exe"  # made from $basePython below
$basePython = $null
if (-not (Test-Path $python)) {
    $pythonInstall = "winget install -e --id Python.Python.3.12"
    $basePython = Find-Tool "python.exe" @() $pythonInstall
    if ($basePython) {
        # The Microsoft Store's python.exe alias is a stub that fails: this catches it too.
        $recent = $false
        try { & $basePython -c "import sys; sys.exit(sys.version_info < (3, 11))"; $recent = $LASTEXITCODE -eq 0 } catch { }
        if (-not $recent) { $missing.Add("  Python 3.11 or later (not $basePython): $pythonInstall") }
    }
}
$iscc = Find-Tool "iscc.exe" @("${env:ProgramFiles(x86)}\Inno Setup 6\ISCC.exe", "$env:LOCALAPPDATA\Programs\Inno Setup 6\ISCC.exe") `
    "winget install -e --id JRSoftware.InnoSetup"
$signtool = $null
$signing = [bool]($env:WINDOWS_CERTIFICATE -and $env:WINDOWS_CERTIFICATE_PASSWORD)
if ($signing) {
    $sdkSigntools = Get-ChildItem "${env:ProgramFiles(x86)}\Windows Kits\10\bin\*\x64\signtool.exe" -ErrorAction SilentlyContinue |
        Sort-Object FullName -Descending | ForEach-Object { $_.FullName }
    $signtool = Find-Tool "signtool.exe" @($sdkSigntools) "winget install -e --id Microsoft.WindowsSDK.10.0.22621"
}
if ($missing.Count -gt 0) {
    Write-Host "build-windows.ps1: this machine lacks what the build needs; install it, then build again:"
    $missing | ForEach-Object { Write-Host $_ }
    exit 1
}

if (-not (Test-Path $python)) { Invoke-Native "creating build\venv" { & $basePython -m venv build\venv } }
Invoke-Native "upgrading pip" { & $python -m pip install -q --upgrade pip }
Invoke-Native "installing the app and PyInstaller" { & $python -m pip install -q . "pyinstaller>=6.10" }
$version = Invoke-Native "reading the version" { & $python -c "import algomesh_tray; print(algomesh_tray.__version__)" }
Invoke-Native "rendering the icons" { & $python packaging\render_icons.py build\icons }
Invoke-Native "PyInstaller" {
    & $python -m PyInstaller --noconfirm --clean --distpath dist --workpath build\pyinstaller packaging\algomesh-tray.spec
}
# The app (no console) and its console twin for a terminal, both signed below when signing is on.
$executables = @("dist\algomesh-tray\algomesh-tray.exe", "dist\algomesh-tray\algomesh-tray-cli.exe")
foreach ($exe in $executables) { if (-not (Test-Path $exe)) { throw "PyInstaller made no $exe" } }
if (-not (Test-Path dist\algomesh-tray\_internal\resources\icons\algomesh-tray.ico)) {
    throw "the bundle lacks resources\icons\algomesh-tray.ico (notification balloons need it)"
}

if ($signing) {
    $pfx = Join-Path $env:RUNNER_TEMP "algomesh-signing.pfx"
    if (-not $env:RUNNER_TEMP) { $pfx = Join-Path $env:TEMP "algomesh-signing.pfx" }
    [IO.File]::WriteAllBytes($pfx, [Convert]::FromBase64String($env:WINDOWS_CERTIFICATE))
    function Sign([string]$File) {
        Invoke-Native "signing $File" {
            & $signtool sign /f $pfx /p $env:WINDOWS_CERTIFICATE_PASSWORD /fd SHA256 `
                /tr http://timestamp.digicert.com /td SHA256 $File
        }
    }
    foreach ($exe in $executables) { Sign $exe }
} else {
    Write-Host "Code signing skipped: WINDOWS_CERTIFICATE and WINDOWS_CERTIFICATE_PASSWORD are not set." `
        "This build is unsigned: SmartScreen will warn (README: Opening an unsigned build)."
}

Invoke-Native "writing the Inno Setup script" {
    & $python packaging\metadata.py iss $version "$PWD\dist\algomesh-tray" "$PWD\build\icons\algomesh-tray.ico" "$PWD\dist" |
        Out-File -Encoding utf8 build\algomesh-tray.iss
}
Invoke-Native "Inno Setup" { & $iscc build\algomesh-tray.iss }
$setup = "dist\algomesh-tray-$version-windows-setup.exe"
if (-not (Test-Path $setup)) { throw "Inno Setup made no $setup" }
if ($signing) {
    Sign $setup
    Remove-Item $pfx
}
Write-Host "built $setup"
