#!/bin/sh
# For the tarball: put AlgoMesh Tray in your application menu, pointing at wherever you unpacked it.
#   ./install-menu-entry.sh             add the menu entry and icons for you (no root needed)
#   ./install-menu-entry.sh --remove    take them away again
set -eu
here=$(cd "$(dirname "$0")" && pwd)
data=${XDG_DATA_HOME:-$HOME/.local/share}
entry=$data/applications/algomesh-tray.desktop
if [ "${1:-}" = "--remove" ]; then
  rm -f "$entry"
  find "$data/icons/hicolor" -name 'algomesh-tray.*' -delete 2>/dev/null || true
  echo "Removed the AlgoMesh Tray menu entry."
  exit 0
fi
[ -x "$here/algomesh-tray" ] || { echo "Run this from the unpacked algomesh-tray folder." >&2; exit 1; }
mkdir -p "$data/applications" "$data/icons"
cp -R "$here/icons/hicolor" "$data/icons/"
# Exec is quoted for the desktop-entry spec, so a folder with spaces works too.
sed "s|^Exec=.*|Exec=\"$here/algomesh-tray\"|" "$here/algomesh-tray.desktop" >"$entry"
echo "AlgoMesh Tray is in your application menu (entry: $entry)."
