"""Imports a library without modules it imports but does not use until later, or at all. No Qt.

websockets imports ``importlib.metadata`` (websockets.version: to read an unreleased checkout's
version) and ``urllib.request`` (websockets.proxy: to look up the system's proxy as it connects)
at the top: 55 modules and 4 MB of the idle app, which a released websockets connecting without a
proxy never touches. A stand-in takes each one's place while the library is imported; anything
that asks the stand-in for something gets the real module, loaded then.
"""

from __future__ import annotations

import importlib
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any

__all__ = ["imported_without", "stand_in_until_used"]

_SWAPPING = threading.RLock()  # re-entered if loading one module asks another stand-in


class _StandIn(ModuleType):
    """Takes a module's place; the first attribute asked of it loads the real module and answers from it."""

    def __init__(self, name: str, loaded: Callable[[ModuleType], None] | None = None) -> None:
        super().__init__(name)
        self._loaded = loaded

    def __getattr__(self, attribute: str) -> Any:
        if attribute.startswith("__"):  # __spec__, __path__ and the like: a stand-in has none
            raise AttributeError(attribute)
        with _SWAPPING:  # two threads asking at once: one loads the real module and hands it on, once
            if sys.modules.get(self.__name__) is self:
                del sys.modules[self.__name__]
                real = importlib.import_module(self.__name__)
                if self._loaded is not None:
                    self._loaded(real)
        return getattr(importlib.import_module(self.__name__), attribute)


def stand_in_until_used(name: str, loaded: Callable[[ModuleType], None]) -> ModuleType:
    """``import name`` gets a stand-in (returned) from now on, until something asks it for an
    attribute: the real module is loaded then, and ``loaded`` called with it before anyone uses it."""
    stand_in = _StandIn(name, loaded)
    sys.modules[name] = stand_in
    return stand_in


@contextmanager
def imported_without(name: str) -> Iterator[None]:
    """While the block runs, ``import name`` gets a stand-in instead of loading the module.

    Afterwards the stand-in leaves ``sys.modules``, so the next ``import name`` loads the real
    module as usual (and replaces the stand-in as its parent package's attribute). Until then a
    library that looks it up there (``import urllib.request`` binds ``urllib``) gets the stand-in,
    which loads the real module at the first attribute asked of it. Nothing changes if the module
    is already loaded.
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
