"""Keeps the idle app small: PySide6's import hook must not keep every module's source. Imports
no Qt itself (start-up calls it once PySide6 is imported).

PySide6 looks into every module imported after it for the word "PySide6" (its import hook,
``shibokensupport.feature._mod_uses_pyside``, PYSIDE-2029) with ``inspect.getsource``, which reads
the module's whole source into ``linecache`` and keeps it there for good: 164 files, 72,000 lines,
6 MB of the idle app's 86 MB (measured with and without). Asking the same question of the file's
bytes keeps nothing; tracebacks read the lines they need, when they need them.
"""

from __future__ import annotations

import linecache
import sys
from pathlib import Path
from types import ModuleType

__all__ = ["drop_source_cache", "stop_pyside_caching_sources"]

_PYSIDE_FEATURE = "shibokensupport.feature"


def drop_source_cache() -> None:
    """Forget the module sources that PySide6's import hook read (see the module docstring)."""
    linecache.clearcache()


def stop_pyside_caching_sources() -> bool:
    """Call once PySide6 is imported: its hook then reads each new module's file without caching
    it, and what it cached so far is dropped. False (and nothing changed) if this PySide6 has no
    such hook: a newer one may have changed it, and then its own behaviour stands."""
    feature = sys.modules.get(_PYSIDE_FEATURE)
    original = getattr(feature, "_mod_uses_pyside", None)
    if feature is None or not callable(original):
        return False
    if not isinstance(original, _UncachedCheck):
        feature._mod_uses_pyside = _UncachedCheck(original)  # type: ignore[attr-defined]
    drop_source_cache()
    return True


class _UncachedCheck:
    """PySide6's question, "does this module's source say PySide6?", asked of the file's bytes."""

    def __init__(self, original: object) -> None:
        self.original = original

    def __call__(self, module: ModuleType) -> bool:
        path = getattr(module, "__file__", None)
        if isinstance(path, str) and path.endswith(".py"):
            try:
                return b"PySide6" in Path(path).read_bytes()
            except OSError:
                pass
        return bool(self.original(module))  # type: ignore[operator]
