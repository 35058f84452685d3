# Build the Windows release: the one-folder bundle and an Inno Setup installer.
#   powershell -ExecutionPolicy Bypass -File packaging\build-windows.ps1
# Needs Python 3.11+ and Inno Setup 6 (iscc.exe; preinstalled on GitHub's Windows runners).
# Signs the app and the installer when WINDOWS_CERTIFICATE (a base64 .pfx) and
# WINDOWS_CERTIFICATE_PASSWORD are set; says so and builds unsigned when they are not.
$ErrorActionPreference = "Stop"  # stops on PowerShell errors only: native tools are checked below

function Invoke-Native([string]$What, [scriptblock]$Command) {
    # A native tool's failure sets $LASTEXITCODE and nothing else: check it after every call.
    & $Command
    if ($LASTEXITCODE -ne 0) { throw "$What failed (exit code $LASTEXITCODE)" }
}

Set-Location (Join-Path $PSScriptRoot "..")
$python = "build\venv\Scripts\python.exe"
if (-not (Test-Path $python)) { Invoke-Native "creating build\venv" { python -m venv build\venv } }
Invoke-Native "upgrading pip" { & $python -m pip install -q --upgrade pip }
Invoke-Native "installing the app and PyInstaller" { & $python -m pip install -q . "pyinstaller>=6.10" }
$version = Invoke-Native "reading the version" { & $python -c "import algomesh_tray; print(algomesh_tray.__version__)" }
Invoke-Native "rendering the icons" { & $python packaging\render_icons.py build\icons }
Invoke-Native "PyInstaller" {
    & $python -m PyInstaller --noconfirm --clean --distpath dist --workpath build\pyinstaller packaging\algomesh-tray.spec
}
if (-not (Test-Path dist\algomesh-tray\algomesh-tray.exe)) { throw "PyInstaller made no dist\algomesh-tray\algomesh-tray.exe" }
if (-not (Test-Path dist\algomesh-tray\_internal\resources\icons\algomesh-tray.ico)) {
    throw "the bundle lacks resources\icons\algomesh-tray.ico (notification balloons need it)"
}

$signtool = $null
if ($env:WINDOWS_CERTIFICATE -and $env:WINDOWS_CERTIFICATE_PASSWORD) {
    $pfx = Join-Path $env:RUNNER_TEMP "algomesh-signing.pfx"
    if (-not $env:RUNNER_TEMP) { $pfx = Join-Path $env:TEMP "algomesh-signing.pfx" }
    [IO.File]::WriteAllBytes($pfx, [Convert]::FromBase64String($env:WINDOWS_CERTIFICATE))
    $signtool = (Get-ChildItem "${env:ProgramFiles(x86)}\Windows Kits\10\bin\*\x64\signtool.exe" |
        Sort-Object FullName -Descending | Select-Object -First 1).FullName
    if (-not $signtool) { throw "WINDOWS_CERTIFICATE is set but signtool.exe (Windows SDK) was not found" }
    function Sign([string]$File) {
        Invoke-Native "signing $File" {
            & $signtool sign /f $pfx /p $env:WINDOWS_CERTIFICATE_PASSWORD /fd SHA256 `
                /tr http://timestamp.digicert.com /td SHA256 $File
        }
    }
    Sign dist\algomesh-tray\algomesh-tray.exe
} else {
    Write-Host "Code signing skipped: WINDOWS_CERTIFICATE and WINDOWS_CERTIFICATE_PASSWORD are not set." `
        "This build is unsigned: SmartScreen will warn (README: Opening an unsigned build)."
}

Invoke-Native "writing the Inno Setup script" {
    & $python packaging\metadata.py iss $version "$PWD\dist\algomesh-tray" "$PWD\build\icons\algomesh-tray.ico" "$PWD\dist" |
        Out-File -Encoding utf8 build\algomesh-tray.iss
}
$iscc = (Get-Command iscc.exe -ErrorAction SilentlyContinue).Source
if (-not $iscc) { $iscc = "${env:ProgramFiles(x86)}\Inno Setup 6\ISCC.exe" }
if (-not (Test-Path $iscc)) { throw "Inno Setup 6 (ISCC.exe) not found" }
Invoke-Native "Inno Setup" { & $iscc build\algomesh-tray.iss }
$setup = "dist\algomesh-tray-$version-windows-setup.exe"
if (-not (Test-Path $setup)) { throw "Inno Setup made no $setup" }
if ($signtool) {
    Sign $setup
    Remove-Item $pfx
}
Write-Host "built $setup"
