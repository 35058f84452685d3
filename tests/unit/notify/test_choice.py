"""The backend chosen per platform and style, the fallbacks, and the sentence Settings shows."""

from __future__ import annotations

import pytest

from algomesh_tray.notify.choice import (
    fallback_backend,
    keeps_popups_on_screen,
    offered_styles,
    preferred_backend,
    style_for_platform,
    support_sentence,
)
from algomesh_tray.notify.freedesktop import ServerInfo

DUNST = ServerInfo("dunst", "knopwob", "1.9.0", frozenset({"actions", "body", "body-markup"}))
NO_ACTIONS = ServerInfo("notify-osd", "Canonical", "1.0", frozenset({"body"}))


@pytest.mark.parametrize(
    ("style", "platform", "service", "backend"),
    [
        ("native", "linux", DUNST, "dbus"),
        ("native", "linux", None, "plyer"),
        ("native", "freebsd14", DUNST, "dbus"),
        ("native", "win32", None, "tray"),
        ("native", "darwin", None, "tray"),
        ("tray", "linux", DUNST, "tray"),
        ("plyer", "linux", DUNST, "plyer"),
        ("plyer", "win32", None, "plyer"),
    ],
)
def test_native_is_the_best_the_platform_has_and_other_styles_are_taken_as_chosen(
    style: str, platform: str, service: ServerInfo | None, backend: str
) -> None:
    """Linux: D-Bus when the service answered, else plyer; Windows and macOS: Qt tray messages."""
    assert preferred_backend(style, platform, service=service) == backend  # type: ignore[arg-type]


def test_fallbacks_end_in_the_tray_or_nothing() -> None:
    """D-Bus -> plyer -> tray messages (when there is a tray) -> nothing."""
    assert fallback_backend("dbus", tray_available=True) == "plyer"
    assert fallback_backend("plyer", tray_available=True) == "tray"
    assert fallback_backend("plyer", tray_available=False) is None
    assert fallback_backend("tray", tray_available=True) is None


def test_the_settings_sentence_says_what_this_desktop_can_do() -> None:
    """Named server, whether clicks work, and why there is no service when there is none."""
    assert support_sentence("linux", service=DUNST) == (
        "This desktop's notification service (dunst 1.9.0) shows clickable popups: a click opens the trade, "
        "and a button pauses popups for an hour."
    )
    assert "cannot report clicks" in support_sentence("linux", service=NO_ACTIONS)
    absent = support_sentence("linux", service=None, problem="no notification service is running on this desktop")
    assert absent.startswith("No notification service answers on this desktop (no notification service is running")
    assert absent.endswith("Tray messages can be clicked.")
    windows, macos = support_sentence("win32", service=None), support_sentence("darwin", service=None)
    assert "toasts" in windows and "Notification Center" in macos
    for sentence in (windows, macos):  # Qt does not say which message was clicked: no promise it cannot keep
        assert "clicking one opens the trade" not in sentence
        assert "does not say which one was clicked" in sentence and "newest trades" in sentence


def test_the_choice_loads_without_jeepney() -> None:
    """Windows and macOS have no jeepney (a Linux-only dependency): the choice must not need it."""
    import subprocess
    import sys

    blocked = "import sys; sys.modules['jeepney'] = None; import algomesh_tray.notify.choice as c; "
    check = "print(c.preferred_backend('native', 'win32', service=None))"
    result = subprocess.run([sys.executable, "-c", blocked + check], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "tray"


def test_notify_send_is_offered_only_on_linux_and_the_expiry_only_with_its_service() -> None:
    """plyer's balloon leaves a tray icon per popup on Windows and raises on macOS; only the D-Bus
    service takes "keep popups on screen"."""
    assert offered_styles("linux") == ("native", "tray", "plyer")
    assert offered_styles("win32") == offered_styles("darwin") == ("native", "tray")
    assert style_for_platform("plyer", "linux") == ("plyer", None)
    assert style_for_platform("tray", "win32") == ("tray", None)
    style, why = style_for_platform("plyer", "darwin")
    assert style == "native" and why is not None and "macOS" in why
    assert keeps_popups_on_screen("native", "linux")
    assert not any(keeps_popups_on_screen(s, "linux") for s in ("tray", "plyer"))
    assert not any(keeps_popups_on_screen(s, p) for s in ("native", "tray") for p in ("win32", "darwin"))
