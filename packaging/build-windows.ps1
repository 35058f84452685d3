# Build the Windows release: the one-folder bundle and an Inno Setup installer.
#   powershell -ExecutionPolicy Bypass -File packaging\build-windows.ps1
# Needs Python 3.11+ and Inno Setup 6 (iscc.exe; preinstalled on GitHub's Windows runners).
$ErrorActionPreference = "Stop"
Set-Location (Join-Path $PSScriptRoot "..")
if (-not (Test-Path build\venv\Scripts\python.exe)) { python -m venv build\venv }
build\venv\Scripts\python -m pip install -q --upgrade pip
build\venv\Scripts\python -m pip install -q . "pyinstaller>=6.10"
$version = build\venv\Scripts\python -c "import algomesh_tray; print(algomesh_tray.__version__)"
build\venv\Scripts\python packaging\render_icons.py build\icons
build\venv\Scripts\python -m PyInstaller --noconfirm --clean --distpath dist --workpath build\pyinstaller packaging\algomesh-tray.spec
build\venv\Scripts\python packaging\metadata.py iss $version "$PWD\dist\algomesh-tray" "$PWD\build\icons\algomesh-tray.ico" "$PWD\dist" | Out-File -Encoding utf8 build\algomesh-tray.iss
$iscc = (Get-Command iscc.exe -ErrorAction SilentlyContinue).Source
if (-not $iscc) { $iscc = "${env:ProgramFiles(x86)}\Inno Setup 6\ISCC.exe" }
& $iscc build\algomesh-tray.iss
Write-Host "built dist\algomesh-tray-$version-windows-setup.exe"
