#!/usr/bin/env bash
# Build the Linux release from a clean clone, in one command:
#   packaging/build-linux.sh
# -> dist/algomesh-tray/algomesh-tray          the one-folder bundle (PyInstaller)
#    dist/algomesh-tray_<version>-1_<arch>.deb  for Debian and Ubuntu (dpkg-deb; lintian-clean)
#    dist/algomesh-tray-<version>-linux-<machine>.tar.gz   for other distributions
# Uses build/venv (created on first use), or the Python environment in $ALGOMESH_BUILD_VENV.
# Checks the tools it needs before it starts (the list below), and stops naming what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${ALGOMESH_BUILD_VENV:-build/venv}

# Every tool this build and its helpers (the spec, deb_files.py) call, with its Debian package.
# Without one the build must stop here, not later or silently: without patchelf the .deb would keep
# the build machine's RUNPATH, without cc the bundle would carry the full 31 MB ICU data library.
missing=() packages=()
lack() {  # lack WHAT PACKAGE [WHAT FOR]
  missing+=("  $1${3:+ ($3)}: in the package $2")
  [[ " ${packages[*]} " == *" $2 "* ]] || packages+=("$2")
}
need() {  # need TOOL PACKAGE [WHAT FOR]
  command -v "$1" >/dev/null 2>&1 || lack "$@"
}
if [[ ! -x $VENV/bin/python ]]; then
  python=${PYTHON:-python3}
  if ! command -v "$python" >/dev/null 2>&1 ||
    ! "$python" -c 'import sys, ensurepip; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    lack "$python 3.11 or later, with venv" python3-venv "makes $VENV"
  fi
fi
need patchelf patchelf "rewrites the bundled libraries' RUNPATH"
need readelf binutils "reads the libraries' needs for Depends"
need cc gcc "builds the empty ICU data library"
need dpkg dpkg "names the architecture"
need dpkg-deb dpkg "builds the .deb"
need dpkg-query dpkg "finds the packages that provide the system libraries"
need /sbin/ldconfig libc-bin "finds the system libraries"
[[ -n ${SOURCE_DATE_EPOCH:-} ]] || need git git "dates the release by the last commit (or set SOURCE_DATE_EPOCH)"
need gzip gzip
need tar tar
need find findutils
need xargs findutils
need sed sed
need awk mawk
for tool in chmod cp cut date dirname du install ln md5sum mkdir realpath rm sort touch uname; do
  need "$tool" coreutils
done
if ((${#missing[@]})); then
  {
    echo "build-linux.sh: this machine lacks what the build needs:"
    printf '%s\n' "${missing[@]}"
    echo "Install it, then build again:"
    echo "  sudo apt-get install ${packages[*]}"
  } >&2
  exit 1
fi

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

# Release date (AppStream, Debian changelog): the last commit's, so a rebuild gives the same files.
date_epoch=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
day=$(date -u -d "@$date_epoch" +%Y-%m-%d)
rfc2822=$(LC_ALL=C date -u -d "@$date_epoch" -R)
DEB_VERSION=$VERSION-1
files=build/linux-files
rm -rf "$files" && mkdir -p "$files"
"$VENV/bin/python" packaging/linux/deb_files.py manpage "$files/algomesh-tray.1"
"$VENV/bin/python" packaging/linux/deb_files.py metainfo "$files/com.algomesh.tray.metainfo.xml" "$VERSION" "$day"
"$VENV/bin/python" packaging/linux/deb_files.py changelog "$files/changelog.Debian" "$DEB_VERSION" "$rfc2822"
"$VENV/bin/python" packaging/linux/deb_files.py copyright "$files/copyright"

# The bundle as a distribution expects it: shared libraries not executable (0644), and no
# RUNPATH into the build machine (libpython's pointed at its Python's own folder): absolute
# entries become the same folder relative to the file ($ORIGIN), inside the bundle.
bundle=dist/algomesh-tray
find "$bundle" -type f -name '*.so*' -exec chmod 0644 {} +
find "$bundle" -type f -name '*.so*' -print0 | while IFS= read -r -d '' library; do
  # No "|| continue": a library patchelf cannot read would keep its RUNPATH, so the build stops.
  runpath=$(patchelf --print-rpath "$library") ||
    { echo "build-linux.sh: patchelf could not read $library; stopping" >&2; exit 1; }
  [[ -z $runpath ]] && continue
  kept=()
  IFS=: read -ra entries <<<"$runpath"
  for entry in "${entries[@]}"; do
    if [[ $entry == '$ORIGIN'* ]]; then kept+=("$entry"); fi
  done
  up=$(realpath --relative-to="$(dirname "$library")" "$bundle/_internal")
  [[ $runpath == *'$ORIGIN'* ]] || kept+=("\$ORIGIN${up:+/$up}")
  kept=("${kept[@]/%\/./}")
  patchelf --set-rpath "$(IFS=:; echo "${kept[*]}")" "$library"
done
DEPENDS=$("$VENV/bin/python" packaging/linux/deb_files.py depends "$bundle")

# .deb: the bundle under /opt, a launcher in /usr/bin, the menu entry, icons, AppStream data,
# man page, copyright, changelog and lintian overrides under /usr/share.
stage=build/deb
rm -rf "$stage"
doc=$stage/usr/share/doc/algomesh-tray
mkdir -p "$stage/DEBIAN" "$stage/opt" "$stage/usr/bin" "$stage/usr/share/applications" "$stage/usr/share/icons" \
  "$stage/usr/share/metainfo" "$stage/usr/share/man/man1" "$stage/usr/share/lintian/overrides" "$doc"
cp -a "$bundle" "$stage/opt/algomesh-tray"
ln -s /opt/algomesh-tray/algomesh-tray "$stage/usr/bin/algomesh-tray"
install -m 644 packaging/linux/algomesh-tray.desktop "$stage/usr/share/applications/"
cp -a build/icons/hicolor "$stage/usr/share/icons/"
install -m 644 "$files/com.algomesh.tray.metainfo.xml" "$stage/usr/share/metainfo/"
gzip -9n <"$files/algomesh-tray.1" >"$stage/usr/share/man/man1/algomesh-tray.1.gz"
gzip -9n <"$files/changelog.Debian" >"$doc/changelog.Debian.gz"
install -m 644 "$files/copyright" "$doc/copyright"
install -m 644 packaging/linux/lintian-overrides "$stage/usr/share/lintian/overrides/algomesh-tray"
find "$stage" -type d -exec chmod 0755 {} +
find "$stage" -newermt "@$date_epoch" -exec touch -h -d "@$date_epoch" {} + 2>/dev/null || true
size=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
sed -e "s/@VERSION@/$DEB_VERSION/" -e "s/@ARCH@/$ARCH/" -e "s/@SIZE@/$size/" -e "s/@DEPENDS@/$DEPENDS/" \
  packaging/linux/control.in >"$stage/DEBIAN/control"
install -m 755 packaging/linux/postinst packaging/linux/postrm "$stage/DEBIAN/"
(cd "$stage" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | LC_ALL=C sort -z | xargs -0 md5sum) \
  >"$stage/DEBIAN/md5sums"
chmod 644 "$stage/DEBIAN/md5sums"
deb=dist/algomesh-tray_${DEB_VERSION}_${ARCH}.deb
rm -f dist/algomesh-tray_*.deb
dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb" >/dev/null

# Tarball: the same bundle, with the menu entry, icons and AppStream data for a manual install.
tarball=dist/algomesh-tray-${VERSION}-linux-$(uname -m).tar.gz
cp packaging/linux/algomesh-tray.desktop "$files/com.algomesh.tray.metainfo.xml" LICENSE "$bundle/"
install -m 755 packaging/linux/install-menu-entry.sh "$bundle/"
rm -rf "$bundle/icons" && mkdir "$bundle/icons" && cp -a build/icons/hicolor "$bundle/icons/hicolor"
tar -C dist -czf "$tarball" algomesh-tray

echo "built in $(($(date +%s) - started)) s:"
echo "  $bundle/ ($(du -sb "$bundle" | awk '{printf "%.1f MB", $1/1e6}'))"
echo "  $deb ($(du -b "$deb" | awk '{printf "%.1f MB", $1/1e6}'))"
echo "  $tarball ($(du -b "$tarball" | awk '{printf "%.1f MB", $1/1e6}'))"
echo "  Depends: $DEPENDS"
