"""The README's promises that can be checked by running them."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def test_readme_python_client_runs_against_the_simulated_engine(tmp_path: Path) -> None:
    """The fixed version of the engine's example prints the signals the engine sends."""
    (code,) = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    engine = subprocess.Popen(
        [str(BIN / "algomesh-tray-engine"), "--port", "0", "--rate", "50", "--count", "3"],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert engine.stderr is not None
        url = next(found for line in engine.stderr if (found := re.search(r"ws://\S+", line)))
        script = tmp_path / "client.py"
        script.write_text(code.replace('"ws://localhost:52000/connect"', repr(url.group(0))))
        client = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
        assert client.stdout is not None
        lines = [client.stdout.readline() for _ in range(5)]
        client.kill()
        client.wait()
    finally:
        engine.kill()
        engine.wait()
    assert lines[1].startswith("Connected!")
    printed = re.compile(r"\[(BUY|SELL)\] \w+ \| Price: [\d.]+ \| Qty: [\d.]+ \| Strategy: \w+")
    assert all(printed.match(line) for line in lines[2:])


def test_the_architecture_names_every_module() -> None:
    """The module map keeps up with the package: every module is named in the Architecture section."""
    readme = (ROOT / "README.md").read_text()
    architecture = readme[readme.index("## Architecture") :]
    modules = sorted(path.relative_to(ROOT / "algomesh_tray") for path in (ROOT / "algomesh_tray").rglob("*.py"))
    missing = [str(module) for module in modules if module.name != "__init__.py" and module.name not in architecture]
    assert missing == []
    rooms = sorted(path.parent.name for path in (ROOT / "algomesh_tray").glob("*/__init__.py"))
    assert [room for room in rooms if f"{room}/" not in architecture] == []
