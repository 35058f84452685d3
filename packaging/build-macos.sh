#!/usr/bin/env bash
# Build the macOS release for this Mac's architecture: "AlgoMesh Tray.app" (menu-bar only,
# LSUIElement) and dist/algomesh-tray-<version>-macos-<arm64|x86_64>.zip.
#   packaging/build-macos.sh
# The release workflow runs it on an Apple-silicon and on an Intel runner (Qt's wheels and
# PyInstaller build for the machine they run on).
# Signs with the hardened runtime and notarizes when these are set (the release workflow passes
# them from its secrets), and says so and builds unsigned when they are not:
#   MACOS_CERTIFICATE (base64 .p12), MACOS_CERTIFICATE_PASSWORD, MACOS_SIGNING_IDENTITY
#   ("Developer ID Application: …"), APPLE_ID, APPLE_TEAM_ID, APPLE_APP_PASSWORD (notarytool).
# Checks the tools it needs before it starts (the list below), and stops naming what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

# Every tool this build calls, with the line that installs it; signing and notarizing tools only
# when their secrets are set. Stop here, naming what is missing, rather than halfway through.
missing=()
need() {  # need TOOL INSTALL-LINE
  command -v "$1" >/dev/null 2>&1 || missing+=("  $1: $2")
}
os_tool="part of macOS itself: is /usr/bin on the PATH?"
xcode_tools="xcode-select --install"
if [[ ! -x build/venv/bin/python ]]; then
  need python3 "brew install python@3.12 (or the python.org installer)"
  if command -v python3 >/dev/null 2>&1 && ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    missing+=("  python3 3.11 or later (this one is $(python3 --version 2>&1)): brew install python@3.12")
  fi
fi
need /usr/libexec/PlistBuddy "$os_tool"
need ditto "$os_tool"
for tool in dirname uname rm; do
  need "$tool" "$os_tool"
done
if [[ -n ${MACOS_CERTIFICATE:-} && -n ${MACOS_CERTIFICATE_PASSWORD:-} && -n ${MACOS_SIGNING_IDENTITY:-} ]]; then
  need codesign "$xcode_tools"
  need security "$os_tool"
  need uuidgen "$os_tool"
  need base64 "$os_tool"
  need tr "$os_tool"
fi
if [[ -n ${MACOS_SIGNING_IDENTITY:-} && -n ${APPLE_ID:-} && -n ${APPLE_TEAM_ID:-} && -n ${APPLE_APP_PASSWORD:-} ]]; then
  need xcrun "$xcode_tools"
fi
if ((${#missing[@]})); then
  {
    echo "build-macos.sh: this Mac lacks what the build needs; install it, then build again:"
    printf '%s\n' "${missing[@]}"
  } >&2
  exit 1
fi

[[ -x build/venv/bin/python ]] || python3 -m venv build/venv
build/venv/bin/python -m pip install -q --upgrade pip
build/venv/bin/python -m pip install -q . "pyinstaller>=6.10"
VERSION=$(build/venv/bin/python -c "import algomesh_tray; print(algomesh_tray.__version__)")
ARCH=$(uname -m)
APP="dist/AlgoMesh Tray.app"
ZIP="dist/algomesh-tray-$VERSION-macos-$ARCH.zip"
build/venv/bin/python packaging/render_icons.py build/icons
build/venv/bin/python -m PyInstaller --noconfirm --clean --distpath dist --workpath build/pyinstaller packaging/algomesh-tray.spec
test -x "$APP/Contents/MacOS/algomesh-tray" || { echo "PyInstaller made no $APP" >&2; exit 1; }
/usr/libexec/PlistBuddy -c "Print :LSMinimumSystemVersion" "$APP/Contents/Info.plist"

if [[ -n ${MACOS_CERTIFICATE:-} && -n ${MACOS_CERTIFICATE_PASSWORD:-} && -n ${MACOS_SIGNING_IDENTITY:-} ]]; then
  keychain="$PWD/build/signing.keychain-db"
  keychain_password=$(uuidgen)
  security create-keychain -p "$keychain_password" "$keychain"
  security set-keychain-settings -lut 3600 "$keychain"
  security unlock-keychain -p "$keychain_password" "$keychain"
  echo "$MACOS_CERTIFICATE" | base64 --decode >build/signing.p12
  security import build/signing.p12 -k "$keychain" -P "$MACOS_CERTIFICATE_PASSWORD" -T /usr/bin/codesign
  rm build/signing.p12
  security set-key-partition-list -S apple-tool:,apple: -s -k "$keychain_password" "$keychain" >/dev/null
  security list-keychains -d user -s "$keychain" $(security list-keychains -d user | tr -d '"')
  codesign --force --deep --options runtime --timestamp --sign "$MACOS_SIGNING_IDENTITY" "$APP"
  codesign --verify --deep --strict --verbose=2 "$APP"
else
  echo "Code signing skipped: MACOS_CERTIFICATE, MACOS_CERTIFICATE_PASSWORD and MACOS_SIGNING_IDENTITY are not all set."
  echo "This build is unsigned: Gatekeeper will block it (README: Opening an unsigned build)."
fi

ditto -c -k --keepParent "$APP" "$ZIP"
if [[ -n ${MACOS_SIGNING_IDENTITY:-} && -n ${APPLE_ID:-} && -n ${APPLE_TEAM_ID:-} && -n ${APPLE_APP_PASSWORD:-} ]]; then
  xcrun notarytool submit "$ZIP" --apple-id "$APPLE_ID" --team-id "$APPLE_TEAM_ID" \
    --password "$APPLE_APP_PASSWORD" --wait
  xcrun stapler staple "$APP"
  rm "$ZIP" && ditto -c -k --keepParent "$APP" "$ZIP"  # the zip now carries the stapled ticket
elif [[ -n ${MACOS_SIGNING_IDENTITY:-} ]]; then
  echo "Notarization skipped: APPLE_ID, APPLE_TEAM_ID and APPLE_APP_PASSWORD are not all set."
fi
echo "built $APP and $ZIP"
