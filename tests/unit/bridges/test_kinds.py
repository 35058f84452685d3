"""The bridge descriptions: every setting they name exists in Settings."""

from __future__ import annotations

from dataclasses import fields

from algomesh_tray.bridges.kinds import BRIDGES, bridge_kind
from algomesh_tray.settings import Settings


def test_every_bridge_setting_name_is_a_settings_field() -> None:
    """enabled, filter, engine status and plain fields of each bridge are fields of Settings."""
    names = {field.name for field in fields(Settings)}
    for kind in BRIDGES:
        assert {kind.enabled_setting, kind.filter_setting, kind.engine_status_setting, *kind.setting_names} <= names


def test_engine_alerts_reach_every_bridge_by_default() -> None:
    """A fresh profile sends engine outages to each bridge once it is turned on."""
    assert [kind.engine_status_setting for kind in BRIDGES] == [
        "telegram_engine_status",
        "discord_engine_status",
        "webhook_engine_status",
        "ntfy_engine_status",
        "pushover_engine_status",
        "gotify_engine_status",
    ]
    assert all(getattr(Settings(), kind.engine_status_setting) is True for kind in BRIDGES)


def test_only_the_ntfy_token_may_be_left_empty() -> None:
    """Every field is required but ntfy's access token: a public topic needs none."""
    optional = [field.name for kind in BRIDGES for field in kind.fields if not field.required]
    assert optional == ["ntfy_token"]
    assert bridge_kind("ntfy").required_names == ("ntfy_server", "ntfy_topic")


def test_the_phone_services_keep_their_tokens_in_the_keyring() -> None:
    """The names tests from outside the project use: secrets in the keyring, the rest in settings."""
    assert bridge_kind("ntfy").secret_names == ("ntfy_token",)
    assert bridge_kind("pushover").secret_names == ("pushover_token", "pushover_user")
    assert bridge_kind("pushover").setting_names == ()
    assert bridge_kind("gotify").secret_names == ("gotify_token",)
    assert bridge_kind("gotify").setting_names == ("gotify_server",)
