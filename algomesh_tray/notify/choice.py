"""Which notification backend to use on this platform, what to fall back to, and how to say so.

Pure functions over facts the app gathers (platform, what the D-Bus service said, whether there is
a tray), so every platform's choice is tested here. No Qt, no I/O.

- Linux: the freedesktop service over D-Bus (freedesktop.py) when it answers: clickable, buttons.
  Otherwise plyer (notify-send: no clicks), then Qt tray messages.
- Windows: Qt tray messages are native toasts there, and report clicks (``messageClicked``),
  though not which message was clicked.
  plyer's balloon is not offered: it leaves a tray icon behind per popup.
- macOS: Qt tray messages go to the Notification Center and report clicks (not which); plyer is not offered:
  it needs pyobjus there and raises without it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, Literal

if TYPE_CHECKING:  # freedesktop needs jeepney, a Linux-only dependency: this module runs everywhere
    from .freedesktop import ServerInfo

__all__ = [
    "NOTIFY_STYLES",
    "Backend",
    "NotifyStyle",
    "fallback_backend",
    "keeps_popups_on_screen",
    "offered_styles",
    "preferred_backend",
    "style_for_platform",
    "support_sentence",
]

NotifyStyle = Literal["native", "tray", "plyer"]
#: "native": the best the platform has (below: D-Bus notifications on Linux, Qt tray
#: messages, which are native toasts / Notification Center, on Windows and macOS); "tray": Qt tray
#: messages; "plyer": plyer's notifications (no clicks), the compatibility choice.
NOTIFY_STYLES: Final[tuple[NotifyStyle, ...]] = ("native", "tray", "plyer")
#: "dbus": freedesktop.DesktopNotifier; "tray": qt.tray.TrayMessageNotifier; "plyer": PlyerNotifier.
Backend = Literal["dbus", "tray", "plyer"]


_NAMES: Final = {"windows": "Windows", "macos": "macOS", "linux": "this desktop"}


def _family(platform: str) -> str:
    if platform.startswith("win"):
        return "windows"
    if platform == "darwin":
        return "macos"
    return "linux"  # and the BSDs: freedesktop desktops too


def offered_styles(platform: str) -> tuple[NotifyStyle, ...]:
    """The styles Settings offers here: plyer ("notify-send") only where it works, on Linux.

    On Windows plyer's balloon keeps a tray icon of its own alive per popup (ghosts in the tray),
    and on macOS it raises without pyobjus, which the app does not ship.
    """
    return NOTIFY_STYLES if _family(platform) == "linux" else ("native", "tray")


def style_for_platform(style: NotifyStyle, platform: str) -> tuple[NotifyStyle, str | None]:
    """``style`` if it is offered here, else the default and a sentence saying why it changed
    (a settings file from another computer, or from a version that offered it)."""
    if style in offered_styles(platform):
        return style, None
    return "native", (
        f'The notification style "notify-send (compatibility)" does not work on {_NAMES[_family(platform)]}: '
        "popups are shown as desktop notifications instead."
    )


def keeps_popups_on_screen(style: NotifyStyle, platform: str) -> bool:
    """Whether "Keep popups on screen until dismissed" can do anything: only the desktop's
    notification service (D-Bus, Linux's "native") takes an expiry; toasts, Notification Center,
    tray balloons and notify-send go by their own."""
    return style == "native" and _family(platform) == "linux"


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
    # Qt's messageClicked does not say which message: with several kept in the Action Center or
    # Notification Center, a click opens the recent trades rather than guess (qt/tray.py).
    which = (
        " does not say which one was clicked: a click opens the trade when it is the only one out, "
        "else the trades window on the newest trades."
    )
    if family == "windows":
        return (
            f"Windows shows signals as its own notifications (toasts) and keeps them in the Action Center, but{which}"
        )
    if family == "macos":
        return f"macOS shows signals in Notification Center and keeps them there, but{which}"
    if service is not None:
        who = f"This desktop's notification service ({service.name} {service.version})".replace(" )", ")")
        if service.actions:
            return f"{who} shows clickable popups: a click opens the trade, and a button pauses popups for an hour."
        return f"{who} shows popups but cannot report clicks: open trades from the tray icon."
    why = f" ({problem})" if problem else ""
    tray = " Tray messages can be clicked." if tray_available else ""
    return f"No notification service answers on this desktop{why}: popups go through notify-send, without clicks.{tray}"
