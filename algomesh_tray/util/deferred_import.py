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
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any

__all__ = ["imported_without"]

_SWAPPING = threading.Lock()


class _StandIn(ModuleType):
    """Takes a module's place; the first attribute asked of it loads the real module and answers from it."""

    def __getattr__(self, attribute: str) -> Any:
        if attribute.startswith("__"):  # __spec__, __path__ and the like: a stand-in has none
            raise AttributeError(attribute)
        with _SWAPPING:  # two threads asking at once: one takes the stand-in out, once
            if sys.modules.get(self.__name__) is self:
                del sys.modules[self.__name__]
        return getattr(importlib.import_module(self.__name__), attribute)


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
