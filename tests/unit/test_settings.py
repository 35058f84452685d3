"""Settings: validation of what the user types, and a settings file that cannot hurt start-up."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, replace
from pathlib import Path

import pytest

from algomesh_tray.feed.engines import Engine
from algomesh_tray.notify.choice import NOTIFY_STYLES
from algomesh_tray.settings import (
    MAX_ENGINE_ALERT_SECONDS,
    Settings,
    SettingsError,
    in_effect_after_save,
    is_loopback,
    load_settings,
    save_settings,
    unencrypted_warning,
)


def one_engine(**changes: object) -> Settings:
    """Settings watching the default engine with ``changes`` made to it."""
    return Settings(engines=(replace(Engine(), **changes),))  # type: ignore[arg-type]


def test_defaults_match_the_engines_documentation() -> None:
    """Out of the box: one engine, "AlgoMesh" at ws://localhost:52000/connect, watched; desktop notifications."""
    (engine,) = Settings().engines
    assert (engine.name, engine.url, engine.enabled) == ("AlgoMesh", "ws://localhost:52000/connect", True)
    assert Settings().watched == (engine,) and not Settings().several_engines
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
    assert one_engine(host=host, port=port, path=path, secure=secure).validated().engines[0].url == url


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"host": ""}, "AlgoMesh: The host is empty"),
        ({"host": "bad host"}, "AlgoMesh: 'bad host' is not a valid host"),
        ({"host": "-leading.example"}, "not a valid host"),
        ({"host": "a" * 300}, "not a valid host"),
        ({"port": 0}, "port must be a number from 1 to 65535"),
        ({"port": 65536}, "port must be"),
        ({"port": True}, "port must be"),
        ({"path": "connect"}, "path must start with /"),
        ({"path": "/with space"}, "path must start with /"),
        ({"name": ""}, "An engine needs a name"),
        ({"name": "Desk\u202e"}, "may not hold control characters"),
        ({"name": "Desk\n"}, "may not hold control characters"),
        ({"name": " Desk"}, "may not start or end with spaces"),
        ({"name": "x" * 41}, "at most 40 characters"),
        ({"secure": "yes"}, "'secure' and 'enabled' must be true or false"),
        ({"enabled": 1}, "'secure' and 'enabled' must be true or false"),
        ({"sound": "/etc/passwd"}, "sound must be one of desktop, alert, ping, knock"),
    ],
)
def test_invalid_values_are_refused_with_a_reason(changes: dict[str, object], message: str) -> None:
    """Each bad field, of the engine or not, gives a SettingsError that says what to fix."""
    engine_fields = {"name", "host", "port", "path", "secure", "enabled"}
    settings = (
        one_engine(**changes) if set(changes) <= engine_fields else replace(Settings(), **changes)  # type: ignore[arg-type]
    )
    with pytest.raises(SettingsError, match=re.escape(message)):
        settings.validated()


@pytest.mark.parametrize(
    ("engines", "message"),
    [
        ((), "Add at least one engine."),
        ((Engine("Desk"), Engine("desk", port=52001)), "Two engines are called 'desk': each needs its own name."),
        (
            (Engine("Desk", "LOCALHOST."), Engine("VPS", "localhost")),
            "'VPS' and 'Desk' have the same address (ws://localhost:52000/connect): keep one.",
        ),
    ],
)
def test_a_list_of_engines_is_refused_without_one_or_with_a_clash(engines: tuple[Engine, ...], message: str) -> None:
    """No engine, two with one name (case aside), or one address twice (host case and root dot aside): refused."""
    with pytest.raises(SettingsError, match=re.escape(message)):
        Settings(engines=engines).validated()
    with pytest.raises(SettingsError, match=re.escape(message)):
        Settings().with_engines(engines)


def test_engines_on_one_host_with_other_ports_paths_or_schemes_are_several() -> None:
    """The same host is fine on another port, path or scheme; watched leaves out the engines switched off."""
    engines = (
        Engine("A"),
        Engine("B", port=52001),
        Engine("C", path="/other"),
        Engine("D", secure=True, enabled=False),
    )
    settings = Settings().with_engines(engines)
    assert settings.engines == engines and settings.several_engines
    assert [engine.name for engine in settings.watched] == ["A", "B", "C"]


def test_with_address_parses_ws_and_wss_urls() -> None:
    """An address pasted whole is split into its parts, and validated; the first engine's name is kept."""
    settings = Settings(engines=(Engine("Desk"), Engine("VPS", port=1))).with_address(
        "wss://engine.example.com:8443/connect"
    )
    assert settings.engines == (Engine("Desk", "engine.example.com", 8443, "/connect", True),)
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
    """ws:// to another machine warns, naming the engine; wss:// or loopback does not."""
    assert unencrypted_warning(Engine()) is None
    assert unencrypted_warning(Engine("VPS", "192.0.2.10", secure=True)) is None
    warning = unencrypted_warning(Engine("VPS", "192.0.2.10"))
    assert warning is not None and warning.startswith("Signals from VPS (192.0.2.10) travel unencrypted")
    assert "wss://" in warning


def test_saved_settings_load_back(tmp_path: Path) -> None:
    """Round trip through the JSON file, creating its folder: every engine, in order, switched on or off."""
    path = tmp_path / "new" / "folder" / "settings.json"
    engines = (Engine("Desk", "127.0.0.1", 52001, "/feed"), Engine("VPS", "203.0.113.5", 443, "/connect", True, False))
    chosen = Settings(engines=engines, notify_style="tray")
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
    assert load_settings(path) == (one_engine(port=52001), None)


def test_popup_rate_is_bounded() -> None:
    """Storm control between 1 and 100 popups a second; the default is 5."""
    assert Settings().max_popups_per_second == 5
    for bad in (0, 101, True):
        with pytest.raises(SettingsError, match="Popups per second"):
            replace(Settings(), max_popups_per_second=bad).validated()


def test_settings_are_immutable() -> None:
    """A Settings value is shared by the dialog and the app: nobody changes it behind the other's back."""
    with pytest.raises(AttributeError):
        Settings().engines = ()  # type: ignore[misc]
    with pytest.raises(AttributeError):
        Settings().engines[0].port = 1  # type: ignore[misc]


@pytest.mark.parametrize(
    ("url", "host", "port", "path", "secure"),
    [
        ("ws://localhost", "localhost", 80, "/", False),
        ("wss://engine.example.com/feed", "engine.example.com", 443, "/feed", True),
        ("ws://[::1]:52001/connect", "::1", 52001, "/connect", False),
        ("  ws://127.0.0.1:52000/connect  ", "127.0.0.1", 52000, "/connect", False),
    ],
)
def test_with_address_fills_in_default_ports_and_paths(url: str, host: str, port: int, path: str, secure: bool) -> None:
    """No port means the scheme's port; no path means '/'; IPv6 brackets and padding are handled."""
    (engine,) = Settings().with_address(url).engines
    assert (engine.host, engine.port, engine.path, engine.secure) == (host, port, path, secure)


@pytest.mark.parametrize("url", ["", "localhost:52000", "ws://", "ws://bad host:1/x", "ws://localhost:port/x"])
def test_with_address_refuses_what_is_not_an_engine_address(url: str) -> None:
    """Whatever is pasted, the answer is a usable address or a SettingsError."""
    with pytest.raises(SettingsError):
        Settings().with_address(url)


@pytest.mark.parametrize("port", ["52000", 52000.0, None])
def test_a_port_that_is_not_an_integer_is_refused(port: object) -> None:
    """The port check does not trust the type annotation."""
    with pytest.raises(SettingsError, match="port must be"):
        one_engine(port=port).validated()


def test_the_saved_file_is_readable_json_with_every_setting(tmp_path: Path) -> None:
    """Plain JSON a user can read and fix by hand, with every field named, each engine an object of its own."""
    path = tmp_path / "settings.json"
    save_settings(path, one_engine(port=52001))
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data == json.loads(json.dumps(asdict(one_engine(port=52001))))
    assert data["engines"] == [
        {"name": "AlgoMesh", "host": "localhost", "port": 52001, "path": "/connect", "secure": False, "enabled": True}
    ]
    assert not {"host", "port", "path", "secure"} & set(data)  # the old one-address keys are not written


def test_saving_again_replaces_the_file_whole(tmp_path: Path) -> None:
    """A second save overwrites the first and leaves no temporary file behind."""
    path = tmp_path / "settings.json"
    save_settings(path, one_engine(port=52001))
    save_settings(path, one_engine(port=52002))
    assert load_settings(path) == (one_engine(port=52002), None)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["settings.json"]


def test_unknown_keys_are_logged(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Ignored settings are named in the log, so a typo in a hand-edited file can be found."""
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"prot": 52001}))
    assert load_settings(path) == (Settings(), None)
    assert "ignoring unknown settings: prot" in caplog.text


@pytest.mark.parametrize(
    "content",
    ['{"port": 52000.0}', '{"port": true}', '{"max_popups_per_second": 0}', '{"notify_style": "popup"}',
     '{"path": 5}', "null", '"settings"', ""],
)  # fmt: skip
def test_more_damaged_contents_are_moved_aside(tmp_path: Path, content: str) -> None:
    """Wrong types, out-of-range values, non-objects and an empty file all give defaults and a message."""
    path = tmp_path / "settings.json"
    path.write_text(content, encoding="utf-8")
    settings, message = load_settings(path)
    assert settings == Settings() and message is not None and "moved to" in message
    assert len(list(tmp_path.glob("settings.json.corrupt-*"))) == 1


def test_a_file_that_is_not_utf8_is_moved_aside_not_a_crash(tmp_path: Path) -> None:
    """Random bytes (a disk error, another program) must not stop the app from starting."""
    path = tmp_path / "settings.json"
    damaged = b'\xff\xfe{"port": 52001}\x80'
    path.write_bytes(damaged)
    settings, message = load_settings(path)
    assert settings == Settings()
    assert message is not None and "moved to" in message
    (aside,) = tmp_path.glob("settings.json.corrupt-*")
    assert aside.read_bytes() == damaged


def test_deeply_nested_json_is_moved_aside_not_a_crash(tmp_path: Path) -> None:
    """Nesting deeper than Python can recurse is a damaged file like any other."""
    path = tmp_path / "settings.json"
    path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    settings, message = load_settings(path)
    assert settings == Settings() and message is not None and "moved to" in message


def test_a_settings_path_that_cannot_be_read_gives_defaults_and_a_message(tmp_path: Path) -> None:
    """A folder where the file should be: defaults, a message, and the folder left alone."""
    path = tmp_path / "settings.json"
    path.mkdir()
    settings, message = load_settings(path)
    assert settings == Settings()
    assert message is not None and "could not be read" in message
    assert path.is_dir()


def test_saving_moves_the_listeners_only_when_the_engines_changed() -> None:
    """A demo or --engine run keeps its engines when a rule is saved; a changed list is followed at once,
    with only the engines switched on."""
    saved = Settings()
    this_run = Settings(engines=(Engine("Demo", port=1),))
    rules = replace(saved, rules="silent paper")
    assert in_effect_after_save(saved, rules, this_run) == replace(rules, engines=this_run.engines)
    moved = one_engine(port=52001)
    assert in_effect_after_save(saved, moved, this_run).watched == (Engine(port=52001),)
    two = Settings(engines=(Engine(), Engine("VPS", "203.0.113.5", enabled=False)))
    assert in_effect_after_save(saved, two, this_run).watched == (
        Engine(),
    )  # the list changed; the engine watched did not
    assert in_effect_after_save(two, two, this_run).engines == this_run.engines


def test_notification_and_engine_alert_defaults() -> None:
    """Popups expire as the desktop decides, the engine alert comes after 10 s, and every bridge
    gets engine status by default."""
    settings = Settings()
    assert settings.keep_popups_until_dismissed is False and settings.engine_alert_seconds == 10
    assert settings.telegram_engine_status and settings.discord_engine_status and settings.webhook_engine_status
    assert "plyer" in NOTIFY_STYLES and replace(settings, notify_style="plyer").validated().notify_style == "plyer"


@pytest.mark.parametrize("seconds", [0, 1, 10, MAX_ENGINE_ALERT_SECONDS])
def test_engine_alert_seconds_from_0_off_to_an_hour_are_accepted(seconds: int) -> None:
    """0 turns the alert off; up to an hour is a delay a trader may want."""
    assert replace(Settings(), engine_alert_seconds=seconds).validated().engine_alert_seconds == seconds


@pytest.mark.parametrize("seconds", [-1, MAX_ENGINE_ALERT_SECONDS + 1, True, 2.5])
def test_engine_alert_seconds_out_of_range_are_refused_in_words(seconds: object) -> None:
    """Negative, over an hour, or not a whole number: refused, saying the range and that 0 is off."""
    with pytest.raises(SettingsError, match=r"after 1 to 3600 seconds of outage \(0 turns it off\)"):
        replace(Settings(), engine_alert_seconds=seconds).validated()  # type: ignore[arg-type]


@pytest.mark.parametrize("seconds", [-1, MAX_ENGINE_ALERT_SECONDS + 1, True, 2.5])
def test_escalate_after_seconds_out_of_range_are_refused_in_words(seconds: object) -> None:
    """Two minutes by default; 0 (at once) to an hour accepted; anything else refused, with the range."""
    from algomesh_tray.bridges.escalation import DEFAULT_ESCALATE_SECONDS

    assert Settings().escalate_after_seconds == 120 == DEFAULT_ESCALATE_SECONDS  # one default, written twice
    assert replace(Settings(), escalate_after_seconds=0).validated().escalate_after_seconds == 0
    with pytest.raises(SettingsError, match=r"to the bridges after 0 to 3600 seconds"):
        replace(Settings(), escalate_after_seconds=seconds).validated()  # type: ignore[arg-type]


def test_the_new_fields_round_trip_and_wrong_types_are_moved_aside(tmp_path: Path) -> None:
    """Saved and loaded unchanged; a string where a switch belongs is a damaged file, not a crash."""
    path = tmp_path / "settings.json"
    chosen = Settings(keep_popups_until_dismissed=True, engine_alert_seconds=30, discord_engine_status=False)
    save_settings(path, chosen)
    assert load_settings(path) == (chosen, None)
    path.write_text(json.dumps({"webhook_engine_status": "yes"}))
    settings, message = load_settings(path)
    assert settings == Settings() and message is not None and "webhook_engine_status" in message


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"ntfy_topic": "my topic"}, "The ntfy topic may have only letters, digits, - and _"),
        ({"ntfy_topic": "a" * 65}, "at most 64"),
        ({"ntfy_topic": "alerts/btc"}, "The ntfy topic"),
        ({"ntfy_server": "ntfy.sh"}, "The ntfy server must be an address like https://ntfy.sh (starting with"),
        ({"ntfy_server": "ftp://ntfy.example.com"}, "starting with http:// or https://"),
        ({"ntfy_server": "https://"}, "starting with http:// or https://"),
        ({"ntfy_server": "https://bad host.example"}, "'bad host.example' is not a valid host name"),
        ({"ntfy_server": "https://ntfy.example.com:70000"}, "The ntfy server's port must be a number"),
        ({"ntfy_server": "https://ntfy.example.com/?topic=x"}, "no spaces, ? or #"),
        ({"gotify_server": "gotify.example.com"}, "The Gotify server must be an address like"),
        ({"gotify_server": "https://admin:hunter2@gotify.example.com"}, "must not hold a name or password"),
    ],
)
def test_phone_service_values_that_cannot_work_are_refused_with_a_reason(
    changes: dict[str, object], message: str
) -> None:
    """A topic ntfy would reject and a server that is not http(s)://host are refused, in words."""
    with pytest.raises(SettingsError, match=re.escape(message)) as refused:
        Settings(**changes).validated()  # type: ignore[arg-type]
    assert "hunter2" not in str(refused.value)


@pytest.mark.parametrize(
    "changes",
    [
        {"ntfy_topic": "algomesh-k3v9q2_Alerts", "ntfy_server": "http://192.168.1.20:8080"},
        {"ntfy_server": "https://example.com/ntfy/", "gotify_server": "http://[::1]:8008"},
        {"gotify_server": "https://gotify.example.com"},
        {"ntfy_topic": "", "gotify_server": ""},  # not filled in yet
    ],
)
def test_phone_service_values_that_work_are_accepted(changes: dict[str, object]) -> None:
    """Self-hosted servers (an IP, a port, a path) and ntfy's topic characters pass."""
    assert Settings(**changes).validated() == Settings(**changes)  # type: ignore[arg-type]


def test_the_phone_services_default_to_off_with_ntfy_sh_and_engine_alerts_on() -> None:
    """A fresh profile: each off; ntfy points at ntfy.sh; the engine-status switches on."""
    fresh = Settings()
    assert not (fresh.ntfy_enabled or fresh.pushover_enabled or fresh.gotify_enabled)
    assert fresh.ntfy_server == "https://ntfy.sh" and fresh.gotify_server == ""
    assert fresh.ntfy_engine_status and fresh.pushover_engine_status and fresh.gotify_engine_status


def test_a_bad_ntfy_topic_in_the_file_is_reported_and_moved_aside(tmp_path: Path) -> None:
    """A topic edited by hand into something ntfy rejects: the file is set aside and the reason told."""
    path = tmp_path / "settings.json"
    path.write_text('{"ntfy_enabled": true, "ntfy_topic": "has space"}')
    settings, message = load_settings(path)
    assert settings == Settings()
    assert message is not None and "The ntfy topic may have only letters" in message and "moved to" in message


def write_json(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("old", "engine"),
    [
        ({"host": "127.0.0.1", "port": 52001}, Engine("AlgoMesh", "127.0.0.1", 52001, "/connect", False, True)),
        (
            {"host": "engine.example.com", "port": 443, "path": "/feed", "secure": True, "notify_style": "tray"},
            Engine("AlgoMesh", "engine.example.com", 443, "/feed", True, True),
        ),
        ({"notify_style": "tray"}, Engine()),  # a file that never changed the address
    ],
)
def test_a_one_address_file_becomes_the_engine_algomesh_at_that_address(
    tmp_path: Path, old: dict[str, object], engine: Engine
) -> None:
    """A settings file from before there were several engines keeps its address, as the one engine "AlgoMesh",
    with no message; saved again, it is written as a list of engines and reads back the same."""
    path = write_json(tmp_path / "settings.json", old)
    settings, message = load_settings(path)
    assert settings.engines == (engine,) and message is None
    assert settings.notify_style == old.get("notify_style", "native")
    save_settings(path, settings)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert [item["name"] for item in data["engines"]] == ["AlgoMesh"] and "host" not in data
    assert load_settings(path) == (settings, None)


def test_a_file_with_a_bad_engine_loads_the_others_and_names_it(tmp_path: Path) -> None:
    """Unusable engines are left out one by one, each named (by its number when its name is not printable)
    with the reason; the usable ones and every other setting load; the file stays where it is, and a
    copy is kept, since the next save writes only the engines kept."""
    path = write_json(
        tmp_path / "settings.json",
        {
            "engines": [
                {"name": "Desk", "host": "127.0.0.1", "port": 52000},
                {"name": "Broken", "host": "bad host"},
                {"name": "VPS", "host": "203.0.113.5", "secure": True},
                {"name": "Bell\u0007", "host": "10.0.0.9"},
                {"name": "Lab", "port": "52003"},
                "ws://10.0.0.8:52000/connect",
            ],
            "rules": "trade paper: silent",
        },
    )
    settings, message = load_settings(path)
    assert [engine.name for engine in settings.engines] == ["Desk", "VPS"]
    assert settings.engines[1] == Engine("VPS", "203.0.113.5", 52000, "/connect", True)
    assert settings.rules == "trade paper: silent"
    (copy,) = tmp_path.glob("settings.json.corrupt-*")  # the next save keeps only the usable engines
    assert message == (
        "The settings file holds engines that cannot be used; left out: "
        "engine 'Broken' (Broken: 'bad host' is not a valid host name or IP address.); "
        "engine number 4 (An engine's name may not hold control characters (tabs, line breaks and the like).); "
        "engine 'Lab' (Lab: The port must be a number from 1 to 65535.); "
        "engine number 6 (it is not an engine's name, host, port, path, secure and enabled). "
        f"The file as it was is kept in {copy}."
    )
    assert path.exists() and copy.read_bytes() == path.read_bytes()
    assert oct(copy.stat().st_mode & 0o777) == "0o600"


def test_duplicate_engines_in_a_file_keep_the_first_and_name_the_others(tmp_path: Path) -> None:
    """The same name (case aside) or the same address twice: the first stays, each later one is named."""
    path = write_json(
        tmp_path / "settings.json",
        {
            "engines": [
                {"name": "Desk", "host": "127.0.0.1"},
                {"name": "desk", "host": "10.0.0.7"},
                {"name": "Copy", "host": "127.0.0.1"},
                {"name": "Other", "host": "127.0.0.1", "port": 52001},
            ]
        },
    )
    settings, message = load_settings(path)
    assert [engine.name for engine in settings.engines] == ["Desk", "Other"]
    assert message is not None
    assert "engine 'desk' (Two engines are called 'desk': each needs its own name.)" in message
    assert (
        "engine 'Copy' ('Copy' and 'Desk' have the same address (ws://127.0.0.1:52000/connect): keep one.)" in message
    )


@pytest.mark.parametrize(
    ("engines", "said"),
    [
        ([{"host": "bad host"}, {"port": 0}], "left out: engine number 1"),
        ([], "The settings file lists no engine, so the default engine at ws://localhost:52000/connect is in use."),
    ],
)
def test_a_file_with_no_usable_engine_watches_the_default_one(tmp_path: Path, engines: list[object], said: str) -> None:
    """No engine left (all unusable, or an empty list): the default engine, and a message saying so."""
    path = write_json(tmp_path / "settings.json", {"engines": engines, "notify_style": "tray"})
    settings, message = load_settings(path)
    assert settings.engines == (Engine(),) and settings.notify_style == "tray"
    assert message is not None and said in message
    assert "the default engine at ws://localhost:52000/connect is in use. The file as it was is kept in " in message


def test_an_engines_entry_that_is_not_a_list_is_a_damaged_file(tmp_path: Path) -> None:
    """ "engines" as a string or an object cannot be read engine by engine: the file is moved aside."""
    path = write_json(tmp_path / "settings.json", {"engines": {"name": "Desk"}})
    settings, message = load_settings(path)
    assert settings == Settings() and message is not None and "'engines' should be a list" in message
    assert len(list(tmp_path.glob("settings.json.corrupt-*"))) == 1


def test_an_engine_key_from_a_newer_version_is_ignored_not_the_engine(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """As with the other settings, an unknown key in an engine (a newer version's, or a typo) is logged and
    ignored: going back a version does not throw the trader's engines away."""
    engine = {"name": "VPS", "host": "203.0.113.5", "port": 52001, "secure": True, "colour": "blue"}
    path = write_json(tmp_path / "settings.json", {"engines": [engine]})
    assert load_settings(path) == (Settings(engines=(Engine("VPS", "203.0.113.5", 52001, "/connect", True),)), None)
    assert "ignoring unknown settings of engine 'VPS': colour" in caplog.text


@pytest.mark.parametrize("platform", ["win32", "darwin"])
def test_a_style_this_platform_does_not_offer_falls_back_once_and_says_so(tmp_path: Path, platform: str) -> None:
    """A file asking for notify-send on Windows or macOS (copied, or from an older version): desktop
    notifications instead, with a sentence for the user, and the file updated so it is said once."""
    path = tmp_path / "settings.json"
    save_settings(path, Settings(notify_style="plyer", engines=(Engine(port=52001),)))
    settings, problem = load_settings(path, platform=platform)
    assert (settings.notify_style, settings.engines) == ("native", (Engine(port=52001),))
    assert problem is not None and 'notify-send (compatibility)" does not work on' in problem
    assert ("Windows" if platform == "win32" else "macOS") in problem
    assert json.loads(path.read_text())["notify_style"] == "native"
    assert load_settings(path, platform=platform) == (settings, None)


def test_notify_send_stays_where_it_works(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    save_settings(path, Settings(notify_style="plyer"))
    assert load_settings(path, platform="linux") == (Settings(notify_style="plyer"), None)
