#!/bin/sh
# For the tarball: put AlgoMesh Tray in your application menu, pointing at wherever you unpacked it.
#   ./install-menu-entry.sh             add the menu entry, icons and AppStream data for you (no root)
#   ./install-menu-entry.sh --remove    take them away again, with the folders only they used
# Works from any folder name (spaces, quotes, &, $, backslashes): Exec is quoted as the desktop-entry
# spec says. (GLib cannot start a path holding "%", though the entry is valid.)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
data=${XDG_DATA_HOME:-$HOME/.local/share}
entry=$data/applications/algomesh-tray.desktop
metainfo=$data/metainfo/com.algomesh.tray.metainfo.xml
# Icons shipped in the tarball, as paths under icons/hicolor: "48x48/apps/algomesh-tray.png", ...
icons() { (cd "$here/icons/hicolor" && find . -type f -name 'algomesh-tray.*' | sed 's|^\./||'); }

remove_empty_folders() {  # the folders this script may have made, deepest first, if now empty
  for dir in "$data/icons/hicolor"/*/apps "$data/icons/hicolor"/* "$data/icons/hicolor" "$data/icons" \
    "$data/applications" "$data/metainfo"; do
    [ -d "$dir" ] && rmdir "$dir" 2>/dev/null || true
  done
}

if [ "${1:-}" = "--remove" ]; then
  rm -f "$entry" "$metainfo"
  if [ -d "$here/icons/hicolor" ]; then
    icons | while IFS= read -r icon; do rm -f "$data/icons/hicolor/$icon"; done
  else
    find "$data/icons/hicolor" -name 'algomesh-tray.*' -type f -delete 2>/dev/null || true
  fi
  remove_empty_folders
  echo "Removed the AlgoMesh Tray menu entry."
  exit 0
fi
[ -x "$here/algomesh-tray" ] && [ -d "$here/icons/hicolor" ] ||
  { echo "Run this from the unpacked algomesh-tray folder." >&2; exit 1; }
case $here in *'
'*) echo "The folder's name has a line break, which a menu entry cannot hold: rename it." >&2; exit 1 ;; esac

icons | while IFS= read -r icon; do
  mkdir -p "$data/icons/hicolor/$(dirname "$icon")"
  cp "$here/icons/hicolor/$icon" "$data/icons/hicolor/$icon"
done
mkdir -p "$data/applications" "$data/metainfo"
cp "$here/com.algomesh.tray.metainfo.xml" "$metainfo"
# Exec quoting (desktop-entry spec): inside double quotes \ " ` $ get a backslash; % is doubled;
# then the string escape doubles every backslash.
quoted=$(printf '%s/algomesh-tray' "$here" | sed -e 's/[\\"`$]/\\&/g' -e 's/\\/\\\\/g' -e 's/%/%%/g')
while IFS= read -r line; do
  case $line in
    Exec=*) printf 'Exec="%s"\n' "$quoted" ;;
    *) printf '%s\n' "$line" ;;
  esac
done <"$here/algomesh-tray.desktop" >"$entry"
echo "AlgoMesh Tray is in your application menu (entry: $entry)."
