"""Calling the app back from the core's long-running tasks. No Qt."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

__all__ = ["guarded"]

_T = TypeVar("_T")


def guarded(callback: Callable[[_T], None], *, what: str, logger: logging.Logger) -> Callable[[_T], None]:
    """``callback``, its exceptions logged as ``what`` failing: a fault in the app (a view, the tray,
    a bridge's owner) must never end the listener, the pipeline or a bridge that calls it."""

    def call(value: _T) -> None:
        try:
            callback(value)
        except Exception:
            logger.exception("%s failed; carrying on", what)

    return call
