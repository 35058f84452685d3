"""Settings: validation of what the user types, and a settings file that cannot hurt start-up."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from algomesh_tray.paths import DATA_DIR_ENV, AppPaths
from algomesh_tray.settings import (
    Settings,
    SettingsError,
    is_loopback,
    load_settings,
    save_settings,
    unencrypted_warning,
)


def test_defaults_match_the_engines_documentation() -> None:
    """Out of the box: ws://localhost:52000/connect and desktop notifications."""
    assert Settings().url == "ws://localhost:52000/connect"
    assert Settings().notify_style == "native"


@pytest.mark.parametrize(
    ("host", "port", "path", "secure", "url"),
    [
        ("127.0.0.1", 52001, "/connect", False, "ws://127.0.0.1:52001/connect"),
        ("::1", 52000, "/connect", False, "ws://[::1]:52000/connect"),
        ("engine.example.com", 443, "/feed/v1", True, "wss://engine.example.com:443/feed/v1"),
    ],
)
def test_valid_addresses_build_the_right_url(host: str, port: int, path: str, secure: bool, url: str) -> None:
    """Host names, IPv4 and IPv6 (bracketed), any path, ws or wss."""
    assert Settings(host=host, port=port, path=path, secure=secure).validated().url == url


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"host": ""}, "host is empty"),
        ({"host": "bad host"}, "not a valid host"),
        ({"host": "-leading.example"}, "not a valid host"),
        ({"host": "a" * 300}, "not a valid host"),
        ({"port": 0}, "port must be a number from 1 to 65535"),
        ({"port": 65536}, "port must be"),
        ({"port": True}, "port must be"),
        ({"path": "connect"}, "path must start with /"),
        ({"path": "/with space"}, "path must start with /"),
        ({"notify_style": "popup"}, "Notification style"),
    ],
)
def test_invalid_values_are_refused_with_a_reason(changes: dict[str, object], message: str) -> None:
    """Each bad field gives a SettingsError that says what to fix."""
    with pytest.raises(SettingsError, match=message):
        replace(Settings(), **changes).validated()  # type: ignore[arg-type]


def test_with_address_parses_ws_and_wss_urls() -> None:
    """An address pasted whole is split into its parts, and validated."""
    settings = Settings().with_address("wss://engine.example.com:8443/connect")
    assert (settings.host, settings.port, settings.path, settings.secure) == (
        "engine.example.com",
        8443,
        "/connect",
        True,
    )
    with pytest.raises(SettingsError, match="ws:// or wss://"):
        Settings().with_address("http://localhost:52000/connect")
    with pytest.raises(SettingsError, match="port"):
        Settings().with_address("ws://localhost:99999/connect")


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("localhost", True), ("127.0.0.1", True), ("127.5.0.1", True), ("::1", True), ("192.0.2.10", False),
     ("engine.lan", False)],
)  # fmt: skip
def test_loopback_hosts(host: str, loopback: bool) -> None:
    """Only this computer counts as loopback; a name is never assumed to be local."""
    assert is_loopback(host) is loopback


def test_unencrypted_warning_only_for_remote_ws() -> None:
    """ws:// to another machine warns; wss:// or loopback does not."""
    assert unencrypted_warning(Settings()) is None
    assert unencrypted_warning(Settings(host="192.0.2.10", secure=True)) is None
    warning = unencrypted_warning(Settings(host="192.0.2.10"))
    assert warning is not None and "unencrypted" in warning and "wss://" in warning


def test_saved_settings_load_back(tmp_path: Path) -> None:
    """Round trip through the JSON file, creating its folder."""
    path = tmp_path / "new" / "folder" / "settings.json"
    chosen = Settings(host="127.0.0.1", port=52001, path="/feed", notify_style="tray")
    save_settings(path, chosen)
    assert load_settings(path) == (chosen, None)
    assert not list(path.parent.glob("*.tmp"))


def test_a_missing_file_means_defaults_and_no_message(tmp_path: Path) -> None:
    """First start: nothing to report."""
    assert load_settings(tmp_path / "settings.json") == (Settings(), None)


@pytest.mark.parametrize(
    "content",
    [
        "{not json",
        "[1, 2]",
        '{"port": "52000"}',
        '{"port": 0}',
        '{"secure": "yes"}',
        '{"host": "bad host"}',
        "\x00\xff",
    ],
)
def test_a_damaged_file_is_moved_aside_and_defaults_used(tmp_path: Path, content: str) -> None:
    """Hand-edited or corrupt: kept under a new name for the user, defaults in use, a message given."""
    path = tmp_path / "settings.json"
    path.write_text(content, encoding="utf-8", errors="surrogateescape")
    settings, message = load_settings(path)
    assert settings == Settings()
    assert message is not None and "damaged" in message and "moved to" in message
    (aside,) = tmp_path.glob("settings.json.corrupt-*")
    assert aside.read_text(encoding="utf-8", errors="surrogateescape") == content
    assert not path.exists()


def test_unknown_keys_are_ignored_not_fatal(tmp_path: Path) -> None:
    """A setting from a newer version does not throw away the others."""
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"port": 52001, "theme": "dark"}))
    assert load_settings(path) == (Settings(port=52001), None)


def test_data_dir_argument_and_environment_move_every_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """--data-dir wins over ALGOMESH_TRAY_DATA_DIR, which wins over the platform's folders."""
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "from-env"))
    from_env = AppPaths.resolve()
    assert from_env.trade_log == tmp_path / "from-env" / "trades.sqlite3"
    chosen = AppPaths.resolve(tmp_path / "chosen")
    assert {chosen.settings_file.parent, chosen.trade_log.parent, chosen.log_file.parent} == {tmp_path / "chosen"}
    monkeypatch.delenv(DATA_DIR_ENV)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    assert AppPaths.resolve().trade_log == tmp_path / "xdg-data" / "algomesh-tray" / "trades.sqlite3"


def test_popup_rate_is_bounded() -> None:
    """Storm control between 1 and 100 popups a second; the default is 5."""
    assert Settings().max_popups_per_second == 5
    for bad in (0, 101, True):
        with pytest.raises(SettingsError, match="Popups per second"):
            replace(Settings(), max_popups_per_second=bad).validated()
