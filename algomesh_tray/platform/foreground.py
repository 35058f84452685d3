"""Letting the running instance come to the front when a second launch knocks (Windows). No Qt.

Windows lets a process take the foreground only if it was given the right: the running instance,
asked to show its window by a knock, is not the process the user just started, so its
``activateWindow`` only flashes the taskbar button (as Qt documents). The launch the user started
may pass its right on with AllowSetForegroundWindow before it knocks. Elsewhere: nothing to do.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

__all__ = ["ASFW_ANY", "allow_foreground"]

log = logging.getLogger(__name__)

#: AllowSetForegroundWindow's "any process": the launch does not know the running instance's id.
ASFW_ANY = 0xFFFFFFFF  # (DWORD)-1


def allow_foreground(*, platform: str = sys.platform, user32: Any = None) -> bool:
    """Let whichever process this launch knocks on take the foreground; True if Windows agreed.

    ``user32`` stands in for ``ctypes.WinDLL("user32", use_last_error=True)`` (tests pass a double
    that behaves as Windows documents). A refusal is logged, never raised: the knock still shows the
    window, only behind the others.
    """
    if platform != "win32":
        return False
    if user32 is None:  # pragma: no cover - Windows only
        import ctypes
        from ctypes import wintypes

        user32 = ctypes.WinDLL("user32", use_last_error=True)  # type: ignore[attr-defined,unused-ignore]
        user32.AllowSetForegroundWindow.argtypes = (wintypes.DWORD,)
        user32.AllowSetForegroundWindow.restype = wintypes.BOOL
    if user32.AllowSetForegroundWindow(ASFW_ANY):
        return True
    log.info("Windows did not let this launch pass the foreground on: the window may open behind others")
    return False
