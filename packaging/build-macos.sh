#!/usr/bin/env bash
# Build the macOS release: "AlgoMesh Tray.app" (menu-bar only, LSUIElement) and a zip of it.
#   packaging/build-macos.sh
# plyer's macOS backend needs pyobjus; without it the app shows Qt's own notifications.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -x build/venv/bin/python ]] || python3 -m venv build/venv
build/venv/bin/python -m pip install -q --upgrade pip
build/venv/bin/python -m pip install -q . "pyinstaller>=6.10"
VERSION=$(build/venv/bin/python -c "import algomesh_tray; print(algomesh_tray.__version__)")
build/venv/bin/python packaging/render_icons.py build/icons
build/venv/bin/python -m PyInstaller --noconfirm --clean --distpath dist --workpath build/pyinstaller packaging/algomesh-tray.spec
ditto -c -k --keepParent "dist/AlgoMesh Tray.app" "dist/algomesh-tray-$VERSION-macos.zip"
echo "built dist/AlgoMesh Tray.app and dist/algomesh-tray-$VERSION-macos.zip"
