"""imported_without: a library imported without a module it does not use, which still loads when asked for.

Each case runs in a fresh interpreter (its own sys.modules), on small packages written to tmp_path.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


@pytest.fixture
def packages(tmp_path: Path) -> Path:
    """``heavy`` (prints when it runs) and two libraries importing it: one never using it, one at import."""
    (tmp_path / "heavy").mkdir()
    (tmp_path / "heavy" / "__init__.py").write_text("")
    (tmp_path / "heavy" / "tables.py").write_text("print('heavy.tables loaded')\nSIZE = 42\n")
    (tmp_path / "idle_user.py").write_text("import heavy.tables\n\ndef size():\n    return heavy.tables.SIZE\n")
    (tmp_path / "eager_user.py").write_text("import heavy.tables\n\nSIZE_AT_IMPORT = heavy.tables.SIZE\n")
    return tmp_path


def run(packages: Path, code: str) -> list[str]:
    prelude = "import sys\nfrom algomesh_tray.util.deferred_import import imported_without\n"
    result = subprocess.run([sys.executable, "-c", prelude + code], capture_output=True, text=True, timeout=60,
                            env={"PYTHONPATH": str(packages)}, check=True)  # fmt: skip
    return result.stdout.splitlines()


def test_a_module_the_library_does_not_use_is_not_loaded_and_loads_normally_later(packages: Path) -> None:
    """Nothing of it runs during the import; a later import loads the real one (module and attribute)."""
    lines = run(packages, (
        "with imported_without('heavy.tables'):\n    import idle_user\n"
        "print('after', 'heavy.tables' in sys.modules)\n"
        "import heavy.tables\nprint('size', heavy.tables.SIZE, idle_user.size(), type(heavy.tables).__name__)\n"
    ))  # fmt: skip
    assert lines == ["after False", "heavy.tables loaded", "size 42 42 module"]


def test_the_library_using_the_module_later_gets_the_real_one_then(packages: Path) -> None:
    """As websockets.proxy does at its first connection: ``heavy.tables.SIZE`` through the package."""
    lines = run(packages, (
        "with imported_without('heavy.tables'):\n    import idle_user\n"
        "print('idle', 'heavy.tables' in sys.modules)\nprint('size', idle_user.size())\n"
        "from heavy import tables\nprint('from', tables.SIZE, 'heavy.tables' in sys.modules)\n"
    ))  # fmt: skip
    assert lines == ["idle False", "heavy.tables loaded", "size 42", "from 42 True"]


def test_a_library_that_uses_the_module_while_importing_gets_the_real_one(packages: Path) -> None:
    """Asked for an attribute, the stand-in loads the real module: the library works as without it."""
    lines = run(packages, (
        "with imported_without('heavy.tables'):\n    import eager_user\n"
        "import heavy.tables\n"
        "print('size', eager_user.SIZE_AT_IMPORT, heavy.tables.SIZE, type(heavy.tables).__name__)\n"
    ))  # fmt: skip
    assert lines == ["heavy.tables loaded", "size 42 42 module"]


def test_a_module_already_loaded_is_left_as_it_is(packages: Path) -> None:
    lines = run(packages, (
        "import heavy.tables\nloaded = heavy.tables\n"
        "with imported_without('heavy.tables'):\n    import idle_user\n"
        "print(sys.modules['heavy.tables'] is loaded, idle_user.size())\n"
    ))  # fmt: skip
    assert lines == ["heavy.tables loaded", "True 42"]


def test_the_listener_imports_websockets_without_importlib_metadata_and_urllib_request() -> None:
    """websockets.version imports the one for unreleased checkouts only, websockets.proxy the other
    to find a proxy: 55 modules the app needs only behind a proxy."""
    code = ("import sys, algomesh_tray.feed.listener, websockets\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('email', 'http') or m in\n"
            "             ('importlib.metadata', 'urllib.request')), websockets.__version__ != '')")  # fmt: skip
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert result.stdout.split() == ["['http']", "True"]  # http: HTTPStatus, for websockets' handshake
