"""pyside_sources: PySide6's import hook keeps no module sources; worker threads start when needed."""

from __future__ import annotations

import linecache
import sys
import traceback
from pathlib import Path

import PySide6.QtCore  # noqa: F401  (installs the import hook under test)

from algomesh_tray.qt.pyside_sources import drop_source_cache, stop_pyside_caching_sources


def _import_from(folder: Path, name: str, source: str) -> object:
    (folder / f"{name}.py").write_text(source)
    sys.path.insert(0, str(folder))
    try:
        return __import__(name)  # the import statement's way, which PySide6's hook watches
    finally:
        sys.path.remove(str(folder))
        sys.modules.pop(name, None)


def test_modules_imported_after_pyside_leave_no_source_in_the_cache(tmp_path: Path) -> None:
    """The hook still tells modules that use PySide6 from others, without caching their source."""
    assert stop_pyside_caching_sources()
    assert stop_pyside_caching_sources()  # a second call wraps nothing twice
    feature = sys.modules["shibokensupport.feature"]
    _import_from(tmp_path, "footprint_plain", "VALUE = 1\n")
    _import_from(tmp_path, "footprint_qt", "import PySide6.QtCore\nVALUE = 2\n")
    assert str(tmp_path / "footprint_plain.py") not in linecache.cache
    assert str(tmp_path / "footprint_qt.py") not in linecache.cache
    assert feature.pyside_feature_dict["footprint_plain"] == -1  # "ignore this module", as before
    assert feature.pyside_feature_dict["footprint_qt"] == 0  # "uses PySide", as before


def test_tracebacks_still_quote_the_source_after_the_cache_is_dropped(tmp_path: Path) -> None:
    """Dropping the cache loses nothing: a traceback reads the line it shows when it needs it."""
    module = _import_from(tmp_path, "footprint_fails", "def fail():\n    raise ValueError('shown with its line')\n")
    drop_source_cache()
    try:
        module.fail()  # type: ignore[attr-defined]
    except ValueError as error:
        text = "".join(traceback.format_exception(error))
    assert "raise ValueError('shown with its line')" in text
