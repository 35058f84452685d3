#!/usr/bin/env bash
# Build the Linux release from a clean clone, in one command:
#   packaging/build-linux.sh
# -> dist/algomesh-tray/algomesh-tray          the one-folder bundle (PyInstaller)
#    dist/algomesh-tray_<version>_<arch>.deb    for Debian and Ubuntu (dpkg-deb)
#    dist/algomesh-tray-<version>-linux-<machine>.tar.gz   for other distributions
# Uses build/venv (created on first use), or the Python environment in $ALGOMESH_BUILD_VENV.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${ALGOMESH_BUILD_VENV:-build/venv}
if [[ ! -x $VENV/bin/python ]]; then
  "${PYTHON:-python3}" -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q --upgrade pip
  "$VENV/bin/python" -m pip install -q . "pyinstaller>=6.10"
fi
"$VENV/bin/python" -m pip show -q pyinstaller >/dev/null 2>&1 || "$VENV/bin/python" -m pip install -q "pyinstaller>=6.10"
VERSION=$("$VENV/bin/python" -c "import algomesh_tray; print(algomesh_tray.__version__)")
ARCH=$(dpkg --print-architecture 2>/dev/null || echo amd64)
started=$(date +%s)

"$VENV/bin/python" packaging/render_icons.py build/icons
"$VENV/bin/python" -m PyInstaller --noconfirm --clean --log-level WARN \
  --distpath dist --workpath build/pyinstaller packaging/algomesh-tray.spec

# .deb: the bundle under /opt, a launcher in /usr/bin, the menu entry and the icons.
stage=build/deb
rm -rf "$stage"
mkdir -p "$stage/DEBIAN" "$stage/opt" "$stage/usr/bin" "$stage/usr/share/applications" "$stage/usr/share/icons"
cp -a dist/algomesh-tray "$stage/opt/algomesh-tray"
ln -s /opt/algomesh-tray/algomesh-tray "$stage/usr/bin/algomesh-tray"
install -m 644 packaging/linux/algomesh-tray.desktop "$stage/usr/share/applications/"
cp -a build/icons/hicolor "$stage/usr/share/icons/"
size=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
sed -e "s/@VERSION@/$VERSION/" -e "s/@ARCH@/$ARCH/" -e "s/@SIZE@/$size/" packaging/linux/control.in >"$stage/DEBIAN/control"
install -m 755 packaging/linux/postinst packaging/linux/postrm "$stage/DEBIAN/"
deb=dist/algomesh-tray_${VERSION}_${ARCH}.deb
dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb" >/dev/null

# Tarball: the same bundle, with the menu entry and icons for a manual install.
tarball=dist/algomesh-tray-${VERSION}-linux-$(uname -m).tar.gz
cp packaging/linux/algomesh-tray.desktop dist/algomesh-tray/
install -m 755 packaging/linux/install-menu-entry.sh dist/algomesh-tray/
rm -rf dist/algomesh-tray/icons && cp -a build/icons/hicolor dist/algomesh-tray/icons
tar -C dist -czf "$tarball" algomesh-tray

echo "built in $(($(date +%s) - started)) s:"
echo "  dist/algomesh-tray/ ($(du -sb dist/algomesh-tray | awk '{printf "%.1f MB", $1/1e6}'))"
echo "  $deb ($(du -b "$deb" | awk '{printf "%.1f MB", $1/1e6}'))"
echo "  $tarball ($(du -b "$tarball" | awk '{printf "%.1f MB", $1/1e6}'))"
