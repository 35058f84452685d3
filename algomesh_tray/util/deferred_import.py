"""Imports a library without one of the modules it imports but never uses at run time. No Qt.

websockets (``websockets.version``) imports ``importlib.metadata`` at the top, to read its own
version when run from an unreleased checkout only: 30 modules and 2.4 MB of the idle app that a
released websockets never touches. A stand-in takes that module's place while the library is
imported; anything that does ask the stand-in for something gets the real module, loaded then.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any

__all__ = ["imported_without"]


class _StandIn(ModuleType):
    """Takes a module's place; the first attribute asked of it loads the real module and answers from it."""

    def __getattr__(self, attribute: str) -> Any:
        if sys.modules.get(self.__name__) is self:
            del sys.modules[self.__name__]
        return getattr(importlib.import_module(self.__name__), attribute)


@contextmanager
def imported_without(name: str) -> Iterator[None]:
    """While the block runs, ``import name`` gets a stand-in instead of loading the module.

    Afterwards the stand-in goes (from ``sys.modules`` and from its parent package), so the next
    ``import name`` loads the real module as usual; a library that kept the stand-in itself gets
    the real module from it too. Nothing changes if the module is already loaded.
    """
    if name in sys.modules:
        yield
        return
    parent_name, _, child = name.rpartition(".")
    parent = importlib.import_module(parent_name) if parent_name else None
    stand_in = _StandIn(name)
    sys.modules[name] = stand_in
    if parent is not None:
        setattr(parent, child, stand_in)
    try:
        yield
    finally:
        if sys.modules.get(name) is stand_in:
            del sys.modules[name]
        if parent is not None and parent.__dict__.get(child) is stand_in:
            delattr(parent, child)
