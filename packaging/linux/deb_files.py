"""The generated files of the Linux packages: man page, AppStream metainfo, Debian changelog and
copyright, and the .deb's Depends line from a scan of the bundle's ELF files.

    python packaging/linux/deb_files.py manpage OUT
    python packaging/linux/deb_files.py metainfo OUT VERSION DATE
    python packaging/linux/deb_files.py changelog OUT VERSION DATE_RFC2822
    python packaging/linux/deb_files.py copyright OUT
    python packaging/linux/deb_files.py depends BUNDLE_DIR     -> prints the Depends value
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "packaging"))

from metadata import APP_NAME, BUNDLE_ID, EXECUTABLE  # noqa: E402

__all__ = ["changelog", "copyright_file", "depends", "manpage", "metainfo"]

MAINTAINER = "AlgoMesh Tray developers <tray@algomesh.invalid>"
HOMEPAGE = "https://algomesh.invalid/tray"
SUMMARY = "Trading signal notifications and a trade log"
DESCRIPTION = [
    "AlgoMesh Tray sits in the system tray and listens to the AlgoMesh trading engine's local "
    "WebSocket feed. It shows a desktop notification for every strategy signal, keeps every signal "
    "in a trade log on your computer, and shows recent trades and daily totals in a window.",
    "It can also forward signals to Telegram, Discord or a webhook, and its history command prints "
    "the trade log as a table, CSV or JSON.",
]
#: Run-time needs that no ELF file names: plyer's Linux notifications run notify-send.
EXTRA_DEPENDS = ["libnotify-bin"]


def _roff(text: str) -> str:
    text = text.replace("\\", "\\e").replace("-", "\\-")
    return "\n".join(("\\&" + line if line[:1] in {".", "'"} else line) for line in text.splitlines())


def _options(parser: argparse.ArgumentParser) -> list[str]:
    lines: list[str] = []
    for action in parser._actions:
        if not action.option_strings or action.help == argparse.SUPPRESS:
            continue
        names = ", ".join(f"\\fB{_roff(name)}\\fR" for name in action.option_strings)
        if action.metavar or (action.nargs != 0 and not isinstance(action, argparse._VersionAction)):
            metavar = action.metavar or (
                action.dest.upper() if not action.choices else "{" + ",".join(action.choices) + "}"
            )
            names += f" \\fI{_roff(str(metavar))}\\fR"
        help_text = (action.help or "") % {"default": action.default, "prog": parser.prog}
        lines += [".TP", names, _roff(help_text)]
    return lines


def manpage() -> str:
    """algomesh-tray(1), from the command's own argument parser (so it cannot drift from --help)."""
    from algomesh_tray import __version__
    from algomesh_tray.cli import build_parser

    parser = build_parser()
    lines = [
        f'.TH {EXECUTABLE.upper()} 1 "" "{EXECUTABLE} {__version__}" "User Commands"',
        ".SH NAME",
        f"{_roff(EXECUTABLE)} \\- {_roff(SUMMARY.lower())}",
        ".SH SYNOPSIS",
        _roff(" ".join(parser.format_usage().split()[1:])),
        ".SH DESCRIPTION",
        _roff(parser.description or ""),
        ".PP",
        _roff(DESCRIPTION[0]),
        ".SH OPTIONS",
        *_options(parser),
        ".SH COMMANDS",
    ]
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    helps = {choice.dest: choice.help for choice in subparsers._choices_actions}
    for name, sub in subparsers.choices.items():
        lines += [".SS " + _roff(name), _roff(sub.description or helps.get(name) or "")]
        if sub.add_help:
            lines += [".PP", _roff(" ".join(sub.format_usage().split(":", 1)[1].split())), *_options(sub)]
    lines += [
        ".SH FILES",
        "Settings, the trade log and the log file are in the per-user data folder that "
        + "\\fB\\-\\-data\\-dir\\fR overrides. The licence texts of the bundled libraries are in "
        + "\\fI/opt/algomesh\\-tray/_internal/licenses/\\fR.",
        ".SH SEE ALSO",
        _roff(HOMEPAGE),
    ]
    return "\n".join(lines) + "\n"


#: The screenshots software centres show (made by packaging/screenshots.py, kept in
#: docs/screenshots/ and published beside the homepage), the first the default, with captions.
SCREENSHOTS = (
    ("trades-window.png", "The trades window: every signal, newest first, with the selected trade's fields"),
    ("tray-and-popups.png", "The tray icon and the desktop's popups for the engine's signals"),
    ("dashboard.png", "The dashboard: signals and volume per strategy and market, and a market's prices"),
    ("rules-preview.png", "Rules with their live preview on the last signals"),
)


def _screenshots() -> str:
    shots = []
    for index, (name, caption) in enumerate(SCREENSHOTS):
        kind = ' type="default"' if index == 0 else ""
        shots.append(f"    <screenshot{kind}>\n      <caption>{escape(caption)}</caption>\n"
                     f"      <image>{HOMEPAGE}/screenshots/{name}</image>\n    </screenshot>")  # fmt: skip
    return "\n".join(shots)


def metainfo(version: str, date: str) -> str:
    """AppStream metainfo: what software centres (GNOME Software, Discover) list."""
    paragraphs = "\n".join(f"    <p>{escape(p)}</p>" for p in DESCRIPTION)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<!-- Generated by packaging/linux/deb_files.py -->
<component type="desktop-application">
  <id>{BUNDLE_ID}</id>
  <metadata_license>CC0-1.0</metadata_license>
  <project_license>MIT</project_license>
  <name>{escape(APP_NAME)}</name>
  <summary>{escape(SUMMARY)}</summary>
  <description>
{paragraphs}
  </description>
  <developer_name>AlgoMesh Tray contributors</developer_name>
  <url type="homepage">{HOMEPAGE}</url>
  <launchable type="desktop-id">{EXECUTABLE}.desktop</launchable>
  <provides>
    <binary>{EXECUTABLE}</binary>
  </provides>
  <categories>
    <category>Office</category>
    <category>Finance</category>
  </categories>
  <screenshots>
{_screenshots()}
  </screenshots>
  <releases>
    <release version="{version}" date="{date}"/>
  </releases>
  <content_rating type="oars-1.1"/>
</component>
"""


def changelog(version: str, date: str) -> str:
    """debian/changelog for this upstream release (non-native: revision -1)."""
    return (
        f"{EXECUTABLE} ({version}) unstable; urgency=medium\n\n"
        f"  * {APP_NAME} {version.rsplit('-', 1)[0]}, built from the upstream release.\n\n"
        f" -- {MAINTAINER}  {date}\n"
    )


def copyright_file() -> str:
    """Machine-readable debian/copyright (DEP-5): ours under MIT, what the bundle carries under its own."""
    mit = (ROOT / "LICENSE").read_text().split("\n\n", 2)[2]
    mit_text = "\n".join(" " + line if line.strip() else " ." for line in mit.strip().splitlines())
    return f"""Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: {APP_NAME}
Upstream-Contact: {MAINTAINER}
Source: {HOMEPAGE}
Comment: The bundle under /opt/{EXECUTABLE} carries Python, the Python packages and the shared
 libraries the app needs. The licence text of each is in /opt/{EXECUTABLE}/_internal/licenses/,
 under its name; the copyright file of the Debian package a library was taken from is in
 /opt/{EXECUTABLE}/_internal/licenses/system-libraries/.

Files: *
Copyright: 2026 AlgoMesh Tray contributors
License: Expat

Files: opt/{EXECUTABLE}/_internal/*
Copyright: the authors of each bundled component, as listed in
 /opt/{EXECUTABLE}/_internal/licenses/
License: bundled-components
 Each component carries its own licence (PSF-2.0 for Python; MIT, BSD or Apache-2.0 for most
 Python packages; the licences of the bundled shared libraries), whose full texts are in
 /opt/{EXECUTABLE}/_internal/licenses/.

Files: opt/{EXECUTABLE}/_internal/resources/*
Copyright: 2026 AlgoMesh Tray contributors
License: Expat
Comment: AlgoMesh Tray's own icons and sounds (the sounds synthesised by packaging/make_sound.py);
 see /opt/{EXECUTABLE}/_internal/licenses/ASSETS-algomesh-tray.txt.

Files: opt/{EXECUTABLE}/_internal/PySide6/*
 opt/{EXECUTABLE}/_internal/shiboken6/*
 opt/{EXECUTABLE}/_internal/libpyside6*
 opt/{EXECUTABLE}/_internal/libshiboken6*
 opt/{EXECUTABLE}/_internal/libQt6*
Copyright: The Qt Company Ltd. and other contributors
License: LGPL-3
 Qt 6 and PySide6 are shared libraries that can be replaced by another build of the same
 version: see /opt/{EXECUTABLE}/_internal/licenses/Qt/NOTICE.txt.
 .
 On Debian systems, the complete text of the GNU Lesser General Public License version 3 can
 be found in "/usr/share/common-licenses/LGPL-3".

License: Expat
{mit_text}
"""


def _is_elf(path: Path) -> bool:
    if not path.is_file() or path.is_symlink():
        return False
    with path.open("rb") as file:
        return file.read(4) == b"\x7fELF"


def _elf_files(bundle: Path) -> list[Path]:
    return [p for p in sorted(bundle.rglob("*")) if _is_elf(p)]


def _dynamic(path: Path) -> tuple[list[str], set[tuple[str, str]]]:
    """The NEEDED sonames of an ELF file and its (library, symbol version) needs."""
    output = subprocess.run(["readelf", "-dV", "-W", str(path)], capture_output=True, text=True, check=True).stdout
    needed = re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", output)
    versions: set[tuple[str, str]] = set()
    library = ""
    for line in output.splitlines():
        file_line = re.search(r"File: (\S+)", line)
        if file_line:
            library = file_line[1]
        name = re.search(r"Name: (\S+)\s+Flags", line)
        if name and library:
            versions.add((library, name[1]))
    return needed, versions


def _system_library(soname: str) -> Path | None:
    output = subprocess.run(["/sbin/ldconfig", "-p"], capture_output=True, text=True, check=True).stdout
    for line in output.splitlines():
        parts = line.strip().split(" => ")
        if len(parts) == 2 and parts[0].split()[0] == soname:
            return Path(parts[1])
    return None


def depends(bundle: Path) -> str:
    """Depends: the packages of the libraries the bundle needs but does not carry, and libc6 at the
    newest GLIBC symbol version any bundled file needs (the glibc floor). Nothing the bundle carries."""
    carried = {p.name for p in bundle.rglob("*.so*")}
    needed: set[str] = set()
    glibc = (2, 17)
    for path in _elf_files(bundle):
        names, versions = _dynamic(path)
        needed.update(n for n in names if n not in carried)
        for _library, version in versions:
            found = re.fullmatch(r"GLIBC_(\d+)\.(\d+)(?:\.\d+)?", version)
            if found:
                glibc = max(glibc, (int(found[1]), int(found[2])))
    packages: set[str] = set()
    for soname in sorted(needed):
        path = _system_library(soname)
        if path is None:
            raise SystemExit(f"the bundle needs {soname}, which this machine does not have")
        owner = subprocess.run(["dpkg-query", "-S", str(path.resolve())], capture_output=True, text=True)
        if owner.returncode != 0:
            owner = subprocess.run(["dpkg-query", "-S", str(path)], capture_output=True, text=True, check=True)
        packages.add(owner.stdout.split(":")[0].split(",")[0].strip())
    packages.discard("libc6")
    return ", ".join([f"libc6 (>= {glibc[0]}.{glibc[1]})", *sorted(packages), *EXTRA_DEPENDS])


def main(argv: list[str]) -> None:
    kind, *rest = argv
    if kind == "depends":
        print(depends(Path(rest[0])))
        return
    out = Path(rest[0])
    text = {
        "manpage": lambda: manpage(),
        "metainfo": lambda: metainfo(rest[1], rest[2]),
        "changelog": lambda: changelog(rest[1], rest[2]),
        "copyright": lambda: copyright_file(),
    }[kind]()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)


if __name__ == "__main__":
    main(sys.argv[1:])
