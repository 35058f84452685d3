"""A second launch passes its right to the foreground on (Windows), through a user32 double."""

from __future__ import annotations

import logging

import pytest

from algomesh_tray.platform.foreground import ASFW_ANY, allow_foreground

from ...windows_doubles import User32


def test_on_windows_any_process_may_take_the_foreground_from_this_launch() -> None:
    """ASFW_ANY: the launch does not know the running instance's process id."""
    user32 = User32()
    assert allow_foreground(platform="win32", user32=user32)
    assert user32.calls == [ASFW_ANY] == [0xFFFFFFFF]


def test_a_refusal_is_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    """A launch that may not set the foreground itself cannot pass it on: the window comes up behind."""
    user32 = User32(may_set_foreground=False)
    with caplog.at_level(logging.INFO, logger="algomesh_tray.platform.foreground"):
        assert not allow_foreground(platform="win32", user32=user32)
    assert user32.calls == [ASFW_ANY]
    assert "did not let this launch pass the foreground on" in caplog.text


@pytest.mark.parametrize("platform", ["linux", "darwin"])
def test_elsewhere_nothing_is_called(platform: str) -> None:
    user32 = User32()
    assert not allow_foreground(platform=platform, user32=user32)
    assert user32.calls == []
