"""Calling the app back from the core's long-running tasks. No Qt."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import ParamSpec

__all__ = ["guarded"]

_P = ParamSpec("_P")


def guarded(callback: Callable[_P, None], *, what: str, logger: logging.Logger) -> Callable[_P, None]:
    """``callback``, its exceptions logged as ``what`` failing: a fault in the app (a view, the tray,
    a bridge's owner) must never end the listener, the pipeline or a bridge that calls it."""

    def call(*args: _P.args, **kwargs: _P.kwargs) -> None:
        try:
            callback(*args, **kwargs)
        except Exception:
            logger.exception("%s failed; carrying on", what)

    return call
