"""Which notification backend to use on this platform, what to fall back to, and how to say so.

Pure functions over facts the app gathers (platform, what the D-Bus service said, whether there is
a tray), so every platform's choice is tested here. No Qt, no I/O.

- Linux: the freedesktop service over D-Bus (freedesktop.py) when it answers: clickable, buttons.
  Otherwise plyer (notify-send: no clicks), then Qt tray messages.
- Windows: Qt tray messages are native toasts there, and report clicks (``messageClicked``).
- macOS: Qt tray messages go to the Notification Center and report clicks; plyer needs pyobjus
  there and raises without it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, Literal

if TYPE_CHECKING:  # freedesktop needs jeepney, a Linux-only dependency: this module runs everywhere
    from .freedesktop import ServerInfo

__all__ = ["NOTIFY_STYLES", "Backend", "NotifyStyle", "fallback_backend", "preferred_backend", "support_sentence"]

NotifyStyle = Literal["native", "tray", "plyer"]
#: "native": the best the platform has (below: D-Bus notifications on Linux, Qt tray
#: messages, which are native toasts / Notification Center, on Windows and macOS); "tray": Qt tray
#: messages; "plyer": plyer's notifications (no clicks), the compatibility choice.
NOTIFY_STYLES: Final[tuple[NotifyStyle, ...]] = ("native", "tray", "plyer")
#: "dbus": freedesktop.DesktopNotifier; "tray": qt.tray.TrayMessageNotifier; "plyer": PlyerNotifier.
Backend = Literal["dbus", "tray", "plyer"]


def _family(platform: str) -> str:
    if platform.startswith("win"):
        return "windows"
    if platform == "darwin":
        return "macos"
    return "linux"  # and the BSDs: freedesktop desktops too


def preferred_backend(style: NotifyStyle, platform: str, *, service: ServerInfo | None) -> Backend:
    """The backend for the style chosen in Settings; ``service``: what the D-Bus daemon answered
    (None when nothing answered, or not on Linux). "native" is the best the platform has."""
    if style == "tray":
        return "tray"
    if style == "plyer":
        return "plyer"
    if _family(platform) == "linux":
        return "dbus" if service is not None else "plyer"
    return "tray"


def fallback_backend(failed: Backend, *, tray_available: bool) -> Backend | None:
    """What to use when ``failed`` cannot show popups; None: nothing left (signals still logged)."""
    if failed == "dbus":
        return "plyer"
    if failed == "plyer":
        return "tray" if tray_available else None
    return None


def support_sentence(
    platform: str, *, service: ServerInfo | None, problem: str | None = None, tray_available: bool = True
) -> str:
    """One sentence for Settings saying, in words, what this desktop's notifications can do."""
    family = _family(platform)
    if family == "windows":
        return "Windows shows signals as its own notifications (toasts); clicking one opens the trade."
    if family == "macos":
        return "macOS shows signals in Notification Center; clicking one opens the trade."
    if service is not None:
        who = f"This desktop's notification service ({service.name} {service.version})".replace(" )", ")")
        if service.actions:
            return f"{who} shows clickable popups: a click opens the trade, and a button pauses popups for an hour."
        return f"{who} shows popups but cannot report clicks: open trades from the tray icon."
    why = f" ({problem})" if problem else ""
    tray = " Tray messages can be clicked." if tray_available else ""
    return f"No notification service answers on this desktop{why}: popups go through notify-send, without clicks.{tray}"
