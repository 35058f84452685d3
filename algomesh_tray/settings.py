"""The user's settings: one typed place, validated, stored as JSON where the platform expects.

No Qt. A settings file that cannot be read is moved aside (never overwritten) and the
defaults are used, with a message for the user.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

from .feed.engines import (
    PATH_PATTERN,
    Engine,
    EngineError,
    check_engines,
    clash,
    engine_from_url,
    is_host_name,
    is_loopback,
)
from .notify.choice import NOTIFY_STYLES, NotifyStyle, style_for_platform
from .notify.rules import RulesError, parse_quiet_hours, parse_rules
from .notify.sound import SOUNDS
from .platform.paths import aside_path, make_private_file, make_private_folder
from .util.formatting import safe_text

__all__ = [
    "MAX_ENGINE_ALERT_SECONDS",
    "Settings",
    "SettingsError",
    "in_effect_after_save",
    "is_loopback",
    "load_settings",
    "save_settings",
    "unencrypted_warning",
    "validate_server_url",
]

log = logging.getLogger(__name__)

#: Longest wait before the engine alert that Settings accepts (an hour); 0 turns the alert off.
MAX_ENGINE_ALERT_SECONDS: Final = 3600
#: The topic names ntfy accepts.
_NTFY_TOPIC: Final = re.compile(r"[-_A-Za-z0-9]{1,64}")


class SettingsError(ValueError):
    """A value the user typed that cannot be used; the message says what to fix."""


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the user can change; the defaults match the engine's documentation."""

    #: The engines this tray watches (feed/engines.py); a file from before there were several holds
    #: host, port, path and secure instead, read as the one engine "AlgoMesh".
    engines: tuple[Engine, ...] = (Engine(),)
    notify_style: NotifyStyle = "native"
    #: Storm control: more signals than this in a second are folded into one summary popup.
    max_popups_per_second: int = 5
    #: Notification rules, one per line (see notify/rules.py); empty: every signal notifies.
    rules: str = ""
    #: "22:00-07:00": no popups in those hours; empty: none.
    quiet_hours: str = ""
    #: What a "sound" rule's popup plays: a key of notify/sound.py's SOUNDS.
    sound: str = "desktop"
    #: Popups stay on screen until dismissed (expire_timeout 0); False: the desktop's usual time (-1).
    keep_popups_until_dismissed: bool = False
    #: Seconds the engine must be unreachable before the "engine disconnected" alert; 0: no alerts.
    engine_alert_seconds: int = 10
    #: Seconds an outage alert waits for someone at the desk to answer it before it goes to the
    #: bridges (bridges/escalation.py); 0: at once.
    escalate_after_seconds: int = 120  # bridges/escalation.DEFAULT_ESCALATE_SECONDS, not imported: it needs asyncio
    #: A bridge's backlog older than this many hours is said in one note, not replayed (1 to 168).
    bridge_backlog_hours: int = 24
    # Bridges; their secrets (token, webhook URLs) are in the keyring, see bridges/credentials.py.
    telegram_enabled: bool = False
    telegram_chat_id: str = ""
    telegram_filter: str = ""
    #: The bridge also gets the engine's outage alert and recovery notice.
    telegram_engine_status: bool = True
    discord_enabled: bool = False
    discord_filter: str = ""
    discord_engine_status: bool = True
    webhook_enabled: bool = False
    webhook_filter: str = ""
    webhook_engine_status: bool = True
    #: ntfy: ntfy.sh or a self-hosted server, and the topic the phone subscribes to.
    ntfy_enabled: bool = False
    ntfy_server: str = "https://ntfy.sh"
    ntfy_topic: str = ""
    ntfy_filter: str = ""
    ntfy_engine_status: bool = True
    #: Pushover: its application token and user key are both in the keyring.
    pushover_enabled: bool = False
    pushover_filter: str = ""
    pushover_engine_status: bool = True
    #: Gotify: the trader's own server.
    gotify_enabled: bool = False
    gotify_server: str = ""
    gotify_filter: str = ""
    gotify_engine_status: bool = True

    @property
    def watched(self) -> tuple[Engine, ...]:
        """The engines switched on."""
        return tuple(engine for engine in self.engines if engine.enabled)

    @property
    def several_engines(self) -> bool:
        """More than one engine is set up: popups and bridge messages then name theirs."""
        return len(self.engines) > 1

    def validated(self) -> Settings:
        """Return self if every field is usable, else raise SettingsError saying which is not."""
        _check_engine_list(self.engines)
        if self.notify_style not in NOTIFY_STYLES:
            raise SettingsError(f"Notification style must be one of {', '.join(NOTIFY_STYLES)}.")
        if isinstance(self.max_popups_per_second, bool) or not 1 <= self.max_popups_per_second <= 100:
            raise SettingsError("Popups per second must be from 1 to 100.")
        if not _whole_number_in(self.engine_alert_seconds, 0, MAX_ENGINE_ALERT_SECONDS):
            raise SettingsError(
                f"The engine alert must come after 1 to {MAX_ENGINE_ALERT_SECONDS} seconds of outage (0 turns it off)."
            )
        if not _whole_number_in(self.bridge_backlog_hours, 1, 168):
            raise SettingsError("A bridge's backlog may wait 1 to 168 hours (a week) before it is summed up.")
        if not _whole_number_in(self.escalate_after_seconds, 0, MAX_ENGINE_ALERT_SECONDS):
            raise SettingsError(
                f"An unanswered engine alert must go to the bridges after 0 to {MAX_ENGINE_ALERT_SECONDS} seconds."
            )
        if self.sound not in SOUNDS:
            raise SettingsError(f"The sound must be one of {', '.join(SOUNDS)}.")
        try:
            parse_rules(self.rules)
            parse_quiet_hours(self.quiet_hours)
        except RulesError as error:
            raise SettingsError(str(error)) from None
        validate_server_url("The ntfy server", self.ntfy_server, example="https://ntfy.sh")
        validate_server_url("The Gotify server", self.gotify_server, example="https://gotify.example.com")
        if self.ntfy_topic and not _NTFY_TOPIC.fullmatch(self.ntfy_topic):
            raise SettingsError(
                "The ntfy topic may have only letters, digits, - and _ (no spaces), at most 64 of them."
            )
        return self

    def with_engines(self, engines: Sequence[Engine]) -> Settings:
        """These settings watching ``engines``, validated."""
        return replace(self, engines=tuple(engines)).validated()

    def with_address(self, url: str) -> Settings:
        """These settings watching one engine, the first one's name at ``url`` (ws:// or wss://)."""
        try:
            return self.with_engines([engine_from_url(self.engines[0].name, url)])
        except EngineError as error:
            raise SettingsError(str(error)) from None


def _check_engine_list(engines: object) -> None:
    if not isinstance(engines, tuple) or not all(isinstance(engine, Engine) for engine in engines):
        raise SettingsError("The engines must be a list of engines.")
    try:
        check_engines(engines)
    except EngineError as error:
        raise SettingsError(str(error)) from None


def _whole_number_in(value: object, low: int, high: int) -> bool:
    """An int (not a bool, which is one in Python) from ``low`` to ``high``: what a JSON file may get wrong."""
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def validate_server_url(what: str, url: object, *, example: str) -> None:
    """Raise SettingsError unless ``url`` is empty (not filled in yet) or http(s)://host[:port][/path].

    A user name or password in it is refused: it would land in the settings file; tokens go in the
    token field (the keyring). ``what`` names the setting in the message, ``example`` shows a good one.
    """
    if not isinstance(url, str) or not url:
        return
    example = f"{what} must be an address like {example}"
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SettingsError(f"{example} (starting with http:// or https://).")
    if parts.username is not None or parts.password is not None:
        raise SettingsError(f"{what} address must not hold a name or password: put the token in its own field.")
    if parts.query or parts.fragment or (parts.path and not PATH_PATTERN.fullmatch(parts.path)):
        raise SettingsError(f"{example}, with no spaces, ? or #.")
    try:
        port = parts.port  # raises for a port that is not a number from 0 to 65535
    except ValueError:
        port = 0
    if port == 0:
        raise SettingsError(f"{what}'s port must be a number from 1 to 65535.")
    if not is_host_name(host := parts.hostname):
        raise SettingsError(f"{example}: '{_shortened(host)}' is not a valid host name or IP address.")


def _shortened(host: str) -> str:
    """A host name for a message: at most 60 characters."""
    return host if len(host) <= 60 else host[:59] + "…"


def in_effect_after_save(old: Settings, new: Settings, effective: Settings) -> Settings:
    """The settings that run once ``new`` is saved over ``old`` while ``effective`` runs: ``new``,
    with this run's engines (--engine, --demo) kept while the saved list of engines is unchanged,
    so such a run keeps its engines when the user saves, say, a new rule."""
    return new if new.engines != old.engines else replace(new, engines=effective.engines)


def unencrypted_warning(engine: Engine) -> str | None:
    """A plain warning when an engine's trade signals would cross a network unencrypted."""
    if engine.secure or is_loopback(engine.host):
        return None
    return (
        f"Signals from {engine.name} ({engine.host}) travel unencrypted over the network: anyone on the way "
        "can read them. Use wss:// if the engine supports it."
    )


def load_settings(path: Path, *, platform: str = sys.platform) -> tuple[Settings, str | None]:
    """Read settings; on a corrupt file, move it aside and return defaults plus a message.

    A choice this platform does not offer (notify-send on Windows or macOS, from another computer's
    file) is replaced and saved, with a message saying so once.
    """
    settings, problem = _read_settings(path)
    style, unavailable = style_for_platform(settings.notify_style, platform)
    if unavailable is None:
        return settings, problem
    settings = replace(settings, notify_style=style)
    try:
        save_settings(path, settings)
    except OSError as error:
        log.warning("settings file %s could not be updated: %s", path, error)
    log.warning("%s", unavailable)
    return settings, unavailable if problem is None else f"{problem} {unavailable}"  # both said, once


def _read_settings(path: Path) -> tuple[Settings, str | None]:
    try:
        content = path.read_bytes()
    except FileNotFoundError:
        return Settings(), None
    except OSError as error:
        return Settings(), f"Settings could not be read ({error.strerror}); using defaults."
    try:
        data = json.loads(content.decode("utf-8"))
        if not isinstance(data, dict):
            raise SettingsError("not a JSON object")
        engines, left_out = _engines_in(data)
        known = {field.name: field.type for field in fields(Settings)}
        unknown = set(data) - set(known) - set(_ONE_ENGINE_KEYS)
        if unknown:
            log.warning("ignoring unknown settings: %s", ", ".join(sorted(unknown)))
        values: dict[str, Any] = {key: value for key, value in data.items() if key in known}
        settings = Settings(**values | {"engines": engines})
        _check_types(settings)
        settings = settings.validated()
    except (ValueError, TypeError, RecursionError) as error:  # UnicodeDecodeError is a ValueError
        aside = aside_path(path)
        try:
            os.replace(path, aside)
            where = f"It was moved to {aside}."
        except OSError:
            where = "It could not be moved aside and was left as it is."
        log.warning("settings file %s is unusable (%s); using defaults", path, error)
        return Settings(), f"The settings file was damaged ({error}). {where} Default settings are in use."
    if left_out is not None:  # the next save writes the engines kept: the file as it was is kept too
        left_out += f" {_kept_copy(path, content)}"
    return settings, left_out


def _kept_copy(path: Path, content: bytes) -> str:
    """Keep ``content`` (a settings file some engines of which were left out) beside it; says where."""
    copy = aside_path(path)
    try:
        descriptor = os.open(copy, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with open(descriptor, "wb") as stream:
            stream.write(content)
    except OSError as error:
        log.warning("could not keep a copy of %s: %s", path, error)
        return "Saving settings will drop them."
    return f"The file as it was is kept in {copy}."


#: What a settings file held for its one engine before there were several.
_ONE_ENGINE_KEYS: Final = ("host", "port", "path", "secure")


def _engines_in(data: dict[str, Any]) -> tuple[tuple[Engine, ...], str | None]:
    """The usable engines of a settings file, and a message naming those left out.

    A file from before there were several engines holds one address: it becomes the engine
    "AlgoMesh" there. A file whose engines are all unusable keeps the default engine.
    """
    if "engines" not in data:
        return (_the_one_engine(data),), None
    listed = data["engines"]
    if not isinstance(listed, list):
        raise SettingsError("'engines' should be a list")
    return _usable_engines(listed)


def _the_one_engine(data: dict[str, Any]) -> Engine:
    """The address of a file from before there were several engines, as the engine "AlgoMesh"."""
    default = Engine()
    try:
        return Engine(**{key: data.get(key, getattr(default, key)) for key in _ONE_ENGINE_KEYS}).validated()
    except EngineError as error:
        raise SettingsError(str(error)) from None


#: The keys of an engine in a settings file.
_ENGINE_KEYS: Final = frozenset(field.name for field in fields(Engine))


def _usable_engines(listed: list[Any]) -> tuple[tuple[Engine, ...], str | None]:
    if not listed:
        return (Engine(),), f"The settings file lists no engine, so the default engine at {Engine().url} is in use."
    kept: list[Engine] = []
    left_out: list[str] = []
    for number, item in enumerate(listed, start=1):
        name = item.get("name") if isinstance(item, dict) else None
        label = f"'{name}'" if isinstance(name, str) and name.isprintable() else f"number {number}"
        try:
            if not isinstance(item, dict):
                raise EngineError("it is not an engine's name, host, port, path, secure and enabled")
            if unknown := set(item) - _ENGINE_KEYS:  # a newer version's: it does not throw the engine away
                log.warning("ignoring unknown settings of engine %s: %s", label, ", ".join(sorted(map(str, unknown))))
            engine = Engine(**{key: value for key, value in item.items() if key in _ENGINE_KEYS}).validated()
            if problem := clash(engine, kept):
                raise EngineError(problem)
        except EngineError as error:
            left_out.append(f"engine {label} ({error})")
            continue
        kept.append(engine)
    if not kept:
        kept.append(Engine())
        left_out.append(f"so the default engine at {Engine().url} is in use")
    if not left_out:
        return tuple(kept), None
    said = safe_text("; ".join(left_out), 600)  # a host as stored may hold characters that reorder a line
    return tuple(kept), f"The settings file holds engines that cannot be used; left out: {said}."


def _check_types(settings: Settings) -> None:
    defaults = Settings()
    for field in fields(Settings):
        if field.name == "engines":  # checked one by one as they were read
            continue
        value, default = getattr(settings, field.name), getattr(defaults, field.name)
        if type(value) is not type(default):
            raise SettingsError(f"'{field.name}' should be {type(default).__name__}, not {value!r}")


def save_settings(path: Path, settings: Settings) -> None:
    """Write atomically: a crash mid-write leaves the old file, never half a file."""
    make_private_folder(path.parent)
    temporary = path.with_name(path.name + ".tmp")
    # Created 0600 (private whatever the umask), and the rename makes the settings file the same.
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with open(descriptor, "w", encoding="utf-8") as stream:
        stream.write(json.dumps(asdict(settings), indent=2) + "\n")
    make_private_file(temporary)  # a .tmp left by a crash of an older version
    os.replace(temporary, path)
