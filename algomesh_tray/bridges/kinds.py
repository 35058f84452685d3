"""The bridges the app forwards signals to, described once: their names, labels, the secrets and
settings each has, and which of those are required. Credentials, the bridge hub and the Settings
panel all read this. No Qt."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["BRIDGES", "SECRET_NAMES", "BridgeField", "BridgeKind", "bridge_kind"]


@dataclass(frozen=True, slots=True)
class BridgeField:
    """One thing the user types for a bridge: a secret (kept in the keyring) or a setting.

    ``argument``: the keyword its service's request builders take it as. ``required``: the bridge
    cannot run without it (an ntfy access token is optional: public topics need none).
    """

    name: str
    label: str
    secret: bool
    argument: str
    required: bool = True
    #: Shown in the empty field: an example or what it may hold.
    hint: str = ""


@dataclass(frozen=True, slots=True)
class BridgeKind:
    """A bridge: ``name`` as stored in settings (``<name>_enabled``, ``<name>_filter``,
    ``<name>_engine_status``), its label."""

    name: str
    label: str
    fields: tuple[BridgeField, ...]

    @property
    def enabled_setting(self) -> str:
        return f"{self.name}_enabled"

    @property
    def filter_setting(self) -> str:
        return f"{self.name}_filter"

    @property
    def engine_status_setting(self) -> str:
        """The switch that sends engine outage and recovery alerts to this bridge too."""
        return f"{self.name}_engine_status"

    @property
    def secret_names(self) -> tuple[str, ...]:
        return tuple(field.name for field in self.fields if field.secret)

    @property
    def setting_names(self) -> tuple[str, ...]:
        """The fields stored in the settings file (not secret), besides enabled and filter."""
        return tuple(field.name for field in self.fields if not field.secret)

    @property
    def required_names(self) -> tuple[str, ...]:
        """The fields (secret or not) that must be filled in before the bridge can run."""
        return tuple(field.name for field in self.fields if field.required)

    def is_enabled(self, settings: Any) -> bool:
        return bool(getattr(settings, self.enabled_setting))

    def tells_engine_status(self, settings: Any) -> bool:
        return bool(getattr(settings, self.engine_status_setting))

    def words(self, settings: Any) -> str:
        """The bridge's filter: words that must all appear in a signal it forwards."""
        return str(getattr(settings, self.filter_setting))


BRIDGES: tuple[BridgeKind, ...] = (
    BridgeKind(
        "telegram",
        "Telegram",
        (
            BridgeField("telegram_token", "Bot token:", True, "token"),
            BridgeField("telegram_chat_id", "Chat ID:", False, "chat_id"),
        ),
    ),
    BridgeKind("discord", "Discord", (BridgeField("discord_webhook_url", "Webhook URL:", True, "webhook_url"),)),
    BridgeKind("webhook", "JSON webhook", (BridgeField("webhook_url", "URL (POST JSON):", True, "url"),)),
    BridgeKind(
        "ntfy",
        "ntfy",
        (
            BridgeField("ntfy_server", "Server:", False, "server", hint="https://ntfy.sh or your own"),
            BridgeField("ntfy_topic", "Topic:", False, "topic", hint="letters, digits, - and _, hard to guess"),
            BridgeField("ntfy_token", "Access token (optional):", True, "token", required=False, hint="optional"),
        ),
    ),
    BridgeKind(
        "pushover",
        "Pushover",
        (
            BridgeField("pushover_token", "Application token:", True, "token"),
            BridgeField("pushover_user", "User key:", True, "user"),
        ),
    ),
    BridgeKind(
        "gotify",
        "Gotify",
        (
            BridgeField("gotify_server", "Server:", False, "server", hint="https://gotify.example.com"),
            BridgeField("gotify_token", "Application token:", True, "token"),
        ),
    ),
)

#: Every bridge secret, by the name it is stored under in the keyring.
SECRET_NAMES: tuple[str, ...] = tuple(name for kind in BRIDGES for name in kind.secret_names)

_BY_NAME = {kind.name: kind for kind in BRIDGES}


def bridge_kind(name: str) -> BridgeKind:
    """The bridge called ``name`` (``KeyError`` for an unknown one)."""
    return _BY_NAME[name]
