"""The build scripts check their tools before they start: the real build-linux.sh run without some,
and every script's checked list read against the tools the script calls (macOS and Windows cannot
run here)."""

from __future__ import annotations

import os
import re
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "packaging"

#: Shell words that are not programs: keywords, builtins and the test brackets.
SHELL_BUILTINS = {
    "if", "then", "else", "elif", "fi", "for", "in", "do", "done", "while", "until", "case", "esac", "!",
    "[[", "]]", "[", "cd", "echo", "set", "read", "exit", "return", "local", "export", "printf", "command",
    "true", "false", ":", "test", "shift", "unset", "eval", "exec", "wait", "trap", "declare", "break", "continue",
}  # fmt: skip
#: The words that can open a command and are followed by the real command.
SHELL_PREFIXES = {"then", "do", "else", "elif", "if", "while", "until", "!", "time"}


#: What the shell reader stops at: an escape, a quoted string, a comment, $( ${ ( ) and double quotes.
_SHELL_TOKEN = re.compile(r"""\\[\s\S]|'[^']*'|(?:^|(?<=\s))#[^\n]*|\$\(|\$\{|[()"]""")
#: What it stops at inside double quotes.
_QUOTED_TOKEN = re.compile(r'\\[\s\S]|\$\(|"')


def _shell_code(text: str, at: int = 0, *, nested: bool = False) -> tuple[str, int]:
    """The commands from `at` (to the `)` closing a nested $(...)), with comments and quoted text blanked."""
    out: list[str] = []
    aside: list[str] = []  # the commands inside quotes, kept apart from the words around them
    depth = 0
    while (token := _SHELL_TOKEN.search(text, at)) is not None:
        out.append(text[at : token.start()])
        at, word = token.end(), token.group()
        if word == ")" and nested and depth == 0:
            return "\n".join(["".join(out), *aside]), at
        if word in "()":
            depth += 1 if word == "(" else -1
            out.append("\n")
        elif word == "$(":
            inner, at = _shell_code(text, at, nested=True)
            out.append(f"\n{inner}\n")
        elif word == "${":  # ${X:-$(command)} runs the command
            inner, at = _parameter(text, at)
            out.append(f"$V{inner}")
        elif word == '"':
            inner, at = _quoted(text, at)
            out.append(" Q ")
            aside.append(inner)
        else:
            out.append(" Q ")
    out.append(text[at:])
    return "\n".join(["".join(out), *aside]), len(text)


def _quoted(text: str, at: int) -> tuple[str, int]:
    """The commands inside a double-quoted string's $(...), up to its closing quote."""
    commands: list[str] = []
    while (token := _QUOTED_TOKEN.search(text, at)) is not None:
        at = token.end()
        if token.group() == '"':
            break
        if token.group() == "$(":
            inner, at = _shell_code(text, at, nested=True)
            commands.append(inner)
    return "\n".join(commands), at


def _parameter(text: str, at: int) -> tuple[str, int]:
    """The commands inside ${...} (a default's $(...)), up to its closing brace."""
    end, depth = at, 1
    while depth:
        depth += {"{": 1, "}": -1}.get(text[end], 0)
        end += 1
    inner, _ = _shell_code(text[at : end - 1].lstrip("#!"))
    return inner, end


def shell_commands(script: Path) -> set[str]:
    """The programs a bash script calls: each command's first word, and what find -exec and xargs run."""
    text = script.read_text()
    code, _ = _shell_code(text)
    functions = set(re.findall(r"^\s*(\w[\w-]*)\(\)", text, re.MULTILINE))
    found: set[str] = set()
    for segment in re.split(r"&&|\|\||[;|&{}\n]", code):
        words = segment.split()
        while words and (words[0] in SHELL_PREFIXES or re.fullmatch(r"\w+(\[\S*\])?\+?=\S*", words[0])):
            words.pop(0)
        for at, word in enumerate(words[:-1]):  # find -exec X, xargs [-0] X
            if word == "-exec" or (word == "xargs" and at == 0):
                following = [w for w in words[at + 1 :] if not w.startswith("-")]
                if following:
                    found.add(following[0])
        if not words or words[0] in {"for", "case", "[[", "function"}:
            continue
        first = words[0]
        if not re.match(r"[\w/]", first) or first.startswith(("Q", "build/")) or first.isdigit() or first in functions:
            continue  # variables and paths the build makes ($VENV/bin/python, build/venv/bin/python)
        found.add(first)
    return found - SHELL_BUILTINS


def checked_shell_tools(script: Path) -> set[str]:
    """The tools a script's check names: each `need TOOL ...`, and the loop over a list of them."""
    text = script.read_text()
    tools = set(re.findall(r"(?:^\s*|\|\| )need (\S+) ", text, re.MULTILINE))
    for listed in re.findall(r"^for tool in ([^;]+); do\n\s*need \"\$tool\"", text, re.MULTILINE):
        tools.update(listed.split())
    return {tool.strip('"') for tool in tools}


def test_the_command_reader_finds_what_a_script_calls(tmp_path: Path) -> None:
    """The reader sees commands in pipes, $(...) in quotes, -exec and xargs; not words in strings or comments."""
    script = tmp_path / "build.sh"
    script.write_text(
        'set -e\nneed() { command -v "$1"; }\nX=${A:-b} patchelf --x "$f" || echo "then stop it"\n'
        'echo "now $(date +%s | cut -c1)" # and never in comments\nfind . -exec chmod 0644 {} + | xargs -0 md5sum\n'
        "if [[ $a == 'b' ]]; then \"$VENV/bin/python\" x; fi\nneed tar tar\nsed -e x \\\n  packaging/y >z\n"
    )
    assert shell_commands(script) == {"patchelf", "date", "cut", "find", "chmod", "xargs", "md5sum", "sed"}
    assert checked_shell_tools(script) == {"tar"}


@pytest.mark.parametrize("script", ["build-linux.sh", "build-macos.sh"])
def test_every_tool_a_build_script_calls_is_in_its_checked_list(script: str) -> None:
    """A tool the script calls but does not check would fail halfway through (or, like patchelf, not at all)."""
    called = shell_commands(PACKAGING / script)
    assert len(called) > 5, called  # the reader found the script's commands
    assert called - checked_shell_tools(PACKAGING / script) == set()


def test_the_linux_check_covers_the_tools_its_python_helpers_call() -> None:
    """deb_files.py runs readelf, ldconfig and dpkg-query; the spec compiles the ICU stub with cc."""
    helpers = (PACKAGING / "linux" / "deb_files.py").read_text()
    called = set(re.findall(r'subprocess\.run\(\s*\[\s*"([^"]+)"', helpers))
    assert {"readelf", "/sbin/ldconfig", "dpkg-query"} <= called
    assert 'shutil.which("cc")' in (PACKAGING / "algomesh-tray.spec").read_text()
    assert called | {"cc"} <= checked_shell_tools(PACKAGING / "build-linux.sh")


def test_no_patchelf_failure_is_skipped() -> None:
    """`patchelf ... || continue` once skipped every library on a machine without it: a failure must stop the build."""
    script = (PACKAGING / "build-linux.sh").read_text()
    patchelf_lines = [line for line in script.splitlines() if "patchelf --" in line]
    assert len(patchelf_lines) == 2
    assert not [line for line in patchelf_lines if "continue" in line or "2>/dev/null" in line or "|| true" in line]


def _path_without(tmp_path: Path, *left_out: str) -> str:
    """A folder of links to every program on this PATH but those left out: the machine, minus some tools."""
    folder = tmp_path / "bin"
    folder.mkdir()
    for directory in os.environ["PATH"].split(os.pathsep):
        if not os.path.isdir(directory):
            continue
        for entry in os.scandir(directory):
            link = folder / entry.name
            if entry.name not in left_out and os.access(entry.path, os.X_OK) and not os.path.lexists(link):
                link.symlink_to(entry.path)
    return str(folder)


@pytest.mark.parametrize(
    ("left_out", "install_line"),
    [
        (("patchelf",), "sudo apt-get install patchelf"),
        (("patchelf", "readelf", "cc"), "sudo apt-get install patchelf binutils gcc"),
    ],
)
def test_build_linux_without_a_tool_stops_at_once_and_names_it(
    tmp_path: Path, left_out: tuple[str, ...], install_line: str
) -> None:
    """Run for real on this machine minus some tools: it stops before it makes anything, naming each and its install."""
    venv = tmp_path / "venv"
    started = time.monotonic()
    build = subprocess.run(
        [str(PACKAGING / "build-linux.sh")],
        env={**os.environ, "PATH": _path_without(tmp_path, *left_out), "ALGOMESH_BUILD_VENV": str(venv)},
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    elapsed = time.monotonic() - started
    assert build.returncode != 0, build.stdout + build.stderr
    assert elapsed < 10, f"stopped only after {elapsed:.0f} s"
    for tool in left_out:
        assert re.search(rf"^  {tool} \(", build.stderr, re.MULTILINE), build.stderr
    assert build.stderr.rstrip().endswith(install_line), build.stderr
    assert not venv.exists()  # stopped before it began: no virtual environment made


def test_build_linux_with_every_tool_passes_its_check(tmp_path: Path) -> None:
    """The same run with nothing left out gets past the check (so the check is not what always fails)."""
    env = {**os.environ, "PATH": _path_without(tmp_path), "ALGOMESH_BUILD_VENV": str(tmp_path / "v"), "PYTHON": "false"}
    build = subprocess.run(
        [str(PACKAGING / "build-linux.sh")], env=env, capture_output=True, text=True, timeout=120
    )  # fmt: skip
    # PYTHON=false is the one thing missing: the check reports it alone.
    assert build.returncode != 0
    assert "  false 3.11 or later, with venv" in build.stderr
    assert build.stderr.rstrip().endswith("sudo apt-get install python3-venv"), build.stderr


#: PowerShell statements that are not programs.
PS_KEYWORDS = {"if", "else", "elseif", "function", "try", "catch", "finally", "exit", "return", "throw", "foreach"}


def _powershell_code(text: str) -> str:
    """The script with comments blanked, strings replaced by STRING, and backtick continuations joined."""
    text = re.sub(r"#.*", "", text)  # before the strings: comments have apostrophes ("tool's")
    text = text.replace("`\n", " ")
    text = re.sub(r'"(?:[^"`]|`.)*"', " STRING ", text)
    return re.sub(r"'[^']*'", " STRING ", text)


def powershell_calls(script: Path) -> tuple[set[str], set[str]]:
    """The programs a PowerShell script runs: (bare commands, variables run with &)."""
    code = _powershell_code(script.read_text())
    functions = set(re.findall(r"\bfunction ([\w-]+)", code))
    parameters = set(re.findall(r"\[scriptblock\]\$(\w+)", code))
    bare: set[str] = set()
    run: set[str] = set()
    for segment in re.split(r"[\n;{}|()]", code):
        words = re.sub(r"^\s*\$[\w:]+\s*=\s*", "", segment).split()
        if not words:
            continue
        first = words[0]
        if first == "&":
            run.add(words[1].lstrip("$"))
        elif first in PS_KEYWORDS or first in functions or re.fullmatch(r"[A-Z][A-Za-z]+-[A-Z]\w+", first):
            continue  # cmdlets are Verb-Noun
        elif first != "STRING" and not re.match(r"[$\[@.\-\d]", first):
            bare.add(first)
    return bare, run - parameters


def test_every_program_the_windows_build_runs_is_found_by_its_check() -> None:
    """Each program runs through a variable the check set with Find-Tool (or the venv's Python the build makes)."""
    script = (PACKAGING / "build-windows.ps1").read_text()
    bare, run = powershell_calls(PACKAGING / "build-windows.ps1")
    assert bare == set()
    checked = dict(re.findall(r'^\s*\$(\w+) = Find-Tool "([^"]+)"', script, re.MULTILINE))
    assert set(checked.values()) == {"python.exe", "iscc.exe", "signtool.exe"}
    assert {"basePython", "iscc", "signtool", "python"} <= run
    assert run - set(checked) == {"python"}
    assert '$python = "build\\venv\\Scripts\\python.exe"' in script  # made by the build from $basePython
    installs = re.findall(r'"(winget install[^"]*)"', script)
    assert len(installs) == 3 and all(re.fullmatch(r"winget install -e --id [\w.]+", line) for line in installs)
    # The check runs, and stops, before the first tool: the venv is made after "exit 1".
    assert script.index("exit 1") < script.index("creating build\\venv")


def test_the_macos_check_stops_before_the_build_and_names_the_install_line() -> None:
    """Missing tools are listed with their install line (Xcode's tools by xcode-select) before the venv is made."""
    script = (PACKAGING / "build-macos.sh").read_text()
    assert script.index("exit 1") < script.index("python3 -m venv build/venv")
    assert 'need codesign "$xcode_tools"' in script and 'need xcrun "$xcode_tools"' in script
    assert 'xcode_tools="xcode-select --install"' in script
    assert 'need python3 "brew install python@3.12' in script


def test_readme_lists_what_each_build_needs() -> None:
    """The installers section names each build's tools, as the scripts check them."""
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Installers") : readme.index("### Opening an unsigned build")]
    for needed in ("patchelf", "binutils", "gcc", "dpkg", "Inno Setup 6", "winget install -e --id JRSoftware.InnoSetup",
                   "signtool", "xcode-select --install", "Python 3.11"):  # fmt: skip
        assert needed in section, needed


def test_the_windows_build_signs_both_executables_before_packing_them() -> None:
    """algomesh-tray.exe and its console twin algomesh-tray-cli.exe (names from packaging/metadata.py)
    must both exist after PyInstaller and both be signed, before Inno Setup packs them."""
    import sys

    sys.path.insert(0, str(PACKAGING))
    import metadata

    script = (PACKAGING / "build-windows.ps1").read_text()
    listed = re.search(r"^\$executables = @\((.*)\)$", script, re.MULTILINE)
    assert listed is not None
    names = [Path(path.replace("\\", "/")).name for path in re.findall(r'"([^"]+)"', listed[1])]
    assert names == [f"{metadata.EXECUTABLE}.exe", f"{metadata.CONSOLE_EXECUTABLE}.exe"]
    exists = 'foreach ($exe in $executables) { if (-not (Test-Path $exe)) { throw "PyInstaller made no $exe" } }'
    assert exists in script
    signing = script.index("foreach ($exe in $executables) { Sign $exe }")
    assert script.index("function Sign(") < signing < script.index('Invoke-Native "Inno Setup"')
    assert re.findall(r"^\s*Sign (\S+)", script, re.MULTILINE) == ["$setup"]  # the installer, after Inno Setup
