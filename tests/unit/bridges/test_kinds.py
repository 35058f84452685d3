"""The bridge descriptions: every setting they name exists in Settings."""

from __future__ import annotations

from dataclasses import fields

from algomesh_tray.bridges.kinds import BRIDGES
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
    ]
    assert all(getattr(Settings(), kind.engine_status_setting) is True for kind in BRIDGES)
