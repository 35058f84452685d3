"""The Settings dialog: fields from settings, validation as the user types, the warning, Save."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QDialogButtonBox
from pytestqt.qtbot import QtBot

from algomesh_tray.feed.engines import Engine
from algomesh_tray.qt.icons import app_icon
from algomesh_tray.qt.settings.settings_dialog import SettingsDialog
from algomesh_tray.settings import Settings

from .conftest import save_button


def retype(qtbot: QtBot, edit, text: str) -> None:
    """Replace a field's text the way a user does: select everything, then type."""
    edit.selectAll()
    qtbot.keyClicks(edit, text)


def test_loading_settings_fills_the_fields(qtbot: QtBot) -> None:
    """Every setting shows in its field, the first engine in the form, with the address it makes."""
    settings = Settings(engines=(Engine("Desk", "engine.example", 52001, "/feed", True),), notify_style="tray")
    dialog = SettingsDialog(settings, app_icon())
    qtbot.addWidget(dialog)
    engines = dialog.engines
    assert engines.name_edit.text() == "Desk"
    assert engines.host_edit.text() == "engine.example"
    assert engines.port_spin.value() == 52001
    assert engines.path_edit.text() == "/feed"
    assert engines.secure_check.isChecked()
    assert dialog.style_combo.currentData() == "tray"
    assert engines.address_label.text() == "wss://engine.example:52001/feed"
    assert dialog.error_label.text() == ""
    assert save_button(dialog).isEnabled()
    assert dialog.edited_settings() == settings


def test_the_engines_in_use_are_named_when_they_differ(dialog: SettingsDialog) -> None:
    """A run on other engines (demo, --engine) says so; the saved ones show in the list."""
    dialog.load(Settings(), [Engine("Demo", "127.0.0.1", 40000)])
    assert dialog.engines.active_label.isVisible()
    assert dialog.engines.active_label.text() == (
        "This run watches Demo (ws://127.0.0.1:40000/connect); saving a change to the engines above watches "
        "those instead."
    )
    assert dialog.engines.model.engines() == Settings().engines
    dialog.load(Settings(), Settings().watched)
    assert not dialog.engines.active_label.isVisible()


def test_an_invalid_host_disables_save_and_says_why(qtbot: QtBot, dialog: SettingsDialog) -> None:
    """A host with a space cannot be saved; the dialog says what is wrong, and Save comes back once fixed."""
    retype(qtbot, dialog.engines.host_edit, "bad host")
    assert not save_button(dialog).isEnabled()
    assert "'bad host' is not a valid host name or IP address" in dialog.error_label.text()
    assert dialog.engines.address_label.text() == "—"
    retype(qtbot, dialog.engines.host_edit, "localhost")
    assert save_button(dialog).isEnabled()
    assert dialog.error_label.text() == ""


def test_an_invalid_path_disables_save(qtbot: QtBot, dialog: SettingsDialog) -> None:
    """A path without its leading slash cannot be saved."""
    retype(qtbot, dialog.engines.path_edit, "connect")
    assert not save_button(dialog).isEnabled()
    assert "The path must start with /" in dialog.error_label.text()


def test_an_unencrypted_remote_address_shows_a_warning(qtbot: QtBot, dialog: SettingsDialog) -> None:
    """ws:// to another computer warns that signals cross the network readable; wss:// does not."""
    assert not dialog.warning_label.isVisible()
    retype(qtbot, dialog.engines.host_edit, "192.0.2.10")
    assert dialog.warning_label.isVisible()
    assert dialog.warning_label.text().startswith("Signals from AlgoMesh (192.0.2.10) travel unencrypted")
    assert save_button(dialog).isEnabled()
    qtbot.keyClick(dialog.engines.secure_check, Qt.Key.Key_Space)
    assert dialog.engines.secure_check.isChecked()
    assert not dialog.warning_label.isVisible()
    assert dialog.engines.address_label.text() == "wss://192.0.2.10:52000/connect"


def test_save_emits_the_new_settings(qtbot: QtBot, dialog: SettingsDialog) -> None:
    """Save hands over validated settings for the new address and closes the dialog."""
    retype(qtbot, dialog.engines.host_edit, "127.0.0.1")
    dialog.engines.port_spin.selectAll()
    qtbot.keyClicks(dialog.engines.port_spin, "52010")
    with qtbot.waitSignal(dialog.settings_accepted, timeout=1000) as blocker:
        qtbot.mouseClick(save_button(dialog), Qt.MouseButton.LeftButton)
    (saved,) = blocker.args
    assert isinstance(saved, Settings)
    assert saved.engines == (Engine("AlgoMesh", "127.0.0.1", 52010),)
    assert saved.notify_style == Settings().notify_style
    assert not dialog.isVisible()
    assert dialog.result() == SettingsDialog.DialogCode.Accepted


def test_cancel_emits_nothing(qtbot: QtBot, dialog: SettingsDialog) -> None:
    """Cancel leaves the settings as they were."""
    retype(qtbot, dialog.engines.host_edit, "192.0.2.10")
    cancel = dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel)
    with qtbot.assertNotEmitted(dialog.settings_accepted):
        qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()


def test_bridge_secrets_are_masked_and_only_changed_secrets_are_emitted(qtbot: QtBot, dialog: SettingsDialog) -> None:
    """Tokens show as dots; Save emits bridge settings, and secrets only when one changed."""
    from PySide6.QtWidgets import QLineEdit

    settings = Settings(telegram_enabled=True, telegram_chat_id="42", telegram_filter="live")
    dialog.load(settings, secrets={"telegram_token": "123:SECRET"})
    telegram = dialog.bridges.boxes["telegram"]
    token = telegram.edits["telegram_token"]
    assert token.echoMode() == QLineEdit.EchoMode.Password and token.text() == "123:SECRET"
    assert telegram.isChecked() and telegram.edits["telegram_chat_id"].text() == "42"

    secrets_seen: list[dict[str, str]] = []
    dialog.secrets_accepted.connect(secrets_seen.append)
    with qtbot.waitSignal(dialog.settings_accepted) as saved:
        save_button(dialog).click()
    assert saved.args[0].telegram_enabled and saved.args[0].telegram_filter == "live"
    assert secrets_seen == []

    dialog.show()
    dialog.tabs.setCurrentWidget(dialog.bridges)
    dialog.bridges.boxes["discord"].setChecked(True)  # unchecked, a bridge's fields are disabled
    retype(qtbot, dialog.bridges.boxes["discord"].edits["discord_webhook_url"], "https://example.invalid/hook")
    with qtbot.waitSignal(dialog.secrets_accepted) as changed:
        save_button(dialog).click()
    assert changed.args[0]["discord_webhook_url"] == "https://example.invalid/hook"
    assert changed.args[0]["telegram_token"] == "123:SECRET"


def test_send_test_message_asks_with_what_is_typed(qtbot: QtBot, dialog: SettingsDialog) -> None:
    """The button sends the values on screen (not yet saved) and shows that it is sending."""
    dialog.tabs.setCurrentWidget(dialog.bridges)
    box = dialog.bridges.boxes["webhook"]
    assert not box.test_button.isEnabled()  # a bridge that is off cannot be tested
    box.setChecked(True)
    retype(qtbot, box.edits["webhook_url"], "http://127.0.0.1:9/hook")
    with qtbot.waitSignal(dialog.bridge_test_requested) as asked:
        box.test_button.click()
    kind, typed, secrets = asked.args
    assert kind == "webhook" and secrets["webhook_url"] == "http://127.0.0.1:9/hook"
    assert isinstance(typed, Settings) and box.status_label.text() == "Sending…"
    dialog.set_bridge_status("webhook", "<b>HTTP 500</b>")
    assert box.status_label.textFormat() == Qt.TextFormat.PlainText


def test_rules_preview_follows_typing_and_bad_rules_block_save(qtbot: QtBot, dialog: SettingsDialog) -> None:
    """The preview counts outcomes over recent signals as rules are typed; a typo disables Save."""
    from algomesh_tray.feed.protocol import StrategySignal

    def signal(strategy: str, trade: str) -> StrategySignal:
        return StrategySignal("BUY", "BTCUSDT", 1.0, 1.0, "fixed", "Market", strategy, trade, "EXECUTED")

    recent = [signal("BTC_Momentum_Scalp", "live"), signal("ETH_Grid", "paper"), signal("ETH_Grid", "paper")]
    dialog.load(Settings(), recent=recent)
    dialog.tabs.setCurrentWidget(dialog.rules)
    assert dialog.rules.summary_label.text() == "Of the last 3 signals: 3 notify, 0 with sound, 0 silent."
    qtbot.keyClicks(dialog.rules.rules_edit, "trade paper: silent")
    assert dialog.rules.summary_label.text() == "Of the last 3 signals: 1 notify, 0 with sound, 2 silent."
    assert dialog.rules.preview_model.stringList()[1].startswith("silent  BUY BTCUSDT · ETH_Grid")
    assert save_button(dialog).isEnabled()
    dialog.rules.rules_edit.appendPlainText("mood happy: sound")
    assert not save_button(dialog).isEnabled()
    assert "Rule line 2: 'mood' is not one of" in dialog.error_label.text()
    dialog.rules.rules_edit.setPlainText("trade paper: silent")
    qtbot.keyClicks(dialog.rules.quiet_edit, "22:00-07:00")
    with qtbot.waitSignal(dialog.settings_accepted) as saved:
        save_button(dialog).click()
    assert (saved.args[0].rules, saved.args[0].quiet_hours) == ("trade paper: silent", "22:00-07:00")


def test_notification_fields_load_and_are_saved(qtbot: QtBot, dialog: SettingsDialog) -> None:
    """Keep-until-dismissed and the engine alert delay show from settings and come back through Save."""
    dialog.load(Settings(keep_popups_until_dismissed=True, engine_alert_seconds=45))
    assert dialog.keep_popups_check.isChecked()
    assert dialog.escalate_spin.value() == 120 and dialog.escalate_spin.text() == "120 s unanswered"
    dialog.escalate_spin.setValue(0)
    assert dialog.escalate_spin.text() == "At once"
    assert dialog.engine_alert_spin.value() == 45
    qtbot.mouseClick(dialog.keep_popups_check, Qt.MouseButton.LeftButton)
    dialog.style_combo.setCurrentIndex(dialog.style_combo.findData("plyer"))
    assert dialog.style_combo.currentText() == "notify-send (compatibility)"
    dialog.engine_alert_spin.selectAll()
    qtbot.keyClicks(dialog.engine_alert_spin, "120")
    with qtbot.waitSignal(dialog.settings_accepted, timeout=1000) as blocker:
        qtbot.mouseClick(save_button(dialog), Qt.MouseButton.LeftButton)
    (saved,) = blocker.args
    assert (saved.keep_popups_until_dismissed, saved.engine_alert_seconds, saved.notify_style) == (False, 120, "plyer")
    assert saved.escalate_after_seconds == 0


def test_style_choices_are_named_in_words(dialog: SettingsDialog) -> None:
    """On Linux the three styles are offered under names a trader understands, native first."""
    names = [
        (dialog.style_combo.itemData(i), dialog.style_combo.itemText(i)) for i in range(dialog.style_combo.count())
    ]
    assert names == [
        ("native", "Desktop notifications (clickable where the desktop allows)"),
        ("tray", "Tray messages"),
        ("plyer", "notify-send (compatibility)"),
    ]


def test_keeping_popups_on_screen_can_be_chosen_only_with_the_desktops_service(
    qtbot: QtBot, dialog: SettingsDialog
) -> None:
    """Only the D-Bus service takes an expiry: with tray messages or notify-send the box is greyed out."""
    assert dialog.keep_popups_check.isVisible() and dialog.keep_popups_check.isEnabled()
    for style in ("tray", "plyer"):
        dialog.style_combo.setCurrentIndex(dialog.style_combo.findData(style))
        assert not dialog.keep_popups_check.isEnabled()
    dialog.style_combo.setCurrentIndex(dialog.style_combo.findData("native"))
    assert dialog.keep_popups_check.isEnabled()
    dialog.load(Settings(notify_style="tray", keep_popups_until_dismissed=True))
    assert not dialog.keep_popups_check.isEnabled()


@pytest.mark.parametrize("platform", ["win32", "darwin"])
def test_windows_and_macos_are_offered_only_what_works_there(qtbot: QtBot, platform: str) -> None:
    """No notify-send (a ghost tray icon per popup on Windows, an error on macOS), and no "keep
    popups on screen" (toasts and Notification Center keep their own time)."""
    dialog = SettingsDialog(Settings(), app_icon(), platform=platform)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    offered = [dialog.style_combo.itemData(i) for i in range(dialog.style_combo.count())]
    assert offered == ["native", "tray"]
    assert not dialog.keep_popups_check.isVisible()
    assert dialog.edited_settings().notify_style == "native"


def test_engine_alert_zero_shows_off_and_saves_zero(qtbot: QtBot, dialog: SettingsDialog) -> None:
    """0 seconds reads "Off" in the box and is saved as 0 (no engine alerts)."""
    assert dialog.engine_alert_spin.text() == "10 s without the engine"
    dialog.engine_alert_spin.selectAll()
    qtbot.keyClicks(dialog.engine_alert_spin, "0")
    assert dialog.engine_alert_spin.value() == 0
    with qtbot.waitSignal(dialog.settings_accepted, timeout=1000) as blocker:
        qtbot.keyClick(dialog.engine_alert_spin, Qt.Key.Key_Return)  # Enter: the value is read, then Save
    assert dialog.engine_alert_spin.text() == "Off"
    assert blocker.args[0].engine_alert_seconds == 0
    dialog.load(Settings(engine_alert_seconds=0))
    assert dialog.engine_alert_spin.text() == "Off"


def test_the_support_sentence_is_shown_as_plain_text(dialog: SettingsDialog) -> None:
    """What the desktop can do shows word-wrapped; markup in it stays literal text."""
    assert not dialog.support_label.isVisible()
    sentence = "This desktop's notification service (<b>dunst</b> 1.9 & co) shows clickable popups."
    dialog.set_notification_support(sentence)
    assert dialog.support_label.isVisible()
    assert dialog.support_label.text() == sentence
    assert dialog.support_label.textFormat() == Qt.TextFormat.PlainText
    assert dialog.support_label.wordWrap()


@pytest.mark.parametrize("kind", ["telegram", "discord", "webhook", "ntfy", "pushover", "gotify"])
def test_each_bridge_engine_status_switch_round_trips(qtbot: QtBot, dialog: SettingsDialog, kind: str) -> None:
    """A bridge's "also send engine alerts" switch shows its setting and is saved back after a click."""
    setting = f"{kind}_engine_status"
    dialog.load(Settings(**{f"{kind}_enabled": True, setting: False}))  # type: ignore[arg-type]
    dialog.tabs.setCurrentWidget(dialog.bridges)
    check = dialog.bridges.boxes[kind].engine_status_check
    assert check.text() == "Also send engine alerts (engine down / back)"
    assert not check.isChecked()
    assert all(
        getattr(dialog.edited_settings(), f"{other}_engine_status")
        for other in ("telegram", "discord", "webhook", "ntfy", "pushover", "gotify")
        if other != kind
    )
    qtbot.mouseClick(check, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(dialog.settings_accepted, timeout=1000) as blocker:
        save_button(dialog).click()
    assert getattr(blocker.args[0], setting) is True
    dialog.show()
    dialog.load(Settings(**{setting: False}))  # type: ignore[arg-type]
    assert getattr(dialog.edited_settings(), setting) is False


def test_the_phone_services_show_their_fields_and_save_them(qtbot: QtBot, dialog: SettingsDialog) -> None:
    """ntfy, Pushover and Gotify have boxes: settings in plain fields, tokens masked; Save sends both."""
    from PySide6.QtWidgets import QLineEdit

    settings = Settings(ntfy_enabled=True, ntfy_topic="algomesh-k3v9q2", gotify_server="https://gotify.example.com")
    dialog.load(settings, secrets={"pushover_user": "uUSER"})
    dialog.tabs.setCurrentWidget(dialog.bridges)
    boxes = dialog.bridges.boxes
    assert [boxes[kind].title() for kind in ("ntfy", "pushover", "gotify")] == [
        "Forward to ntfy",
        "Forward to Pushover",
        "Forward to Gotify",
    ]
    ntfy = boxes["ntfy"]
    assert ntfy.isChecked() and ntfy.edits["ntfy_server"].text() == "https://ntfy.sh"
    assert ntfy.edits["ntfy_topic"].text() == "algomesh-k3v9q2"
    assert ntfy.edits["ntfy_token"].placeholderText() == "optional"
    assert boxes["gotify"].edits["gotify_server"].placeholderText() == "https://gotify.example.com"
    for kind, secret in (("ntfy", "ntfy_token"), ("pushover", "pushover_token"), ("pushover", "pushover_user"),
                         ("gotify", "gotify_token")):  # fmt: skip
        assert boxes[kind].edits[secret].echoMode() == QLineEdit.EchoMode.Password
    assert boxes["pushover"].edits["pushover_user"].text() == "uUSER"
    assert boxes["gotify"].edits["gotify_server"].text() == "https://gotify.example.com"
    assert boxes["ntfy"].engine_status_check.isChecked()

    boxes["gotify"].setChecked(True)
    retype(qtbot, boxes["gotify"].edits["gotify_token"], "AvKcy9o-yvVhyKd")
    with qtbot.waitSignal(dialog.secrets_accepted) as changed, qtbot.waitSignal(dialog.settings_accepted) as saved:
        save_button(dialog).click()
    assert changed.args[0]["gotify_token"] == "AvKcy9o-yvVhyKd" and changed.args[0]["pushover_user"] == "uUSER"
    assert saved.args[0].gotify_enabled and saved.args[0].ntfy_topic == "algomesh-k3v9q2"


@pytest.mark.parametrize(
    ("field", "typed", "reason"),
    [
        ("ntfy_topic", "my topic", "The ntfy topic may have only letters, digits, - and _"),
        ("ntfy_server", "ntfy.example.com", "The ntfy server must be an address like https://ntfy.sh"),
        ("gotify_server", "ftp://gotify.example.com", "The Gotify server must be an address like"),
    ],
)
def test_a_phone_service_value_that_cannot_work_is_refused_as_typed(
    qtbot: QtBot, dialog: SettingsDialog, field: str, typed: str, reason: str
) -> None:
    """A topic ntfy would reject or a server that is not http(s)://host: the reason shows, Save is off."""
    dialog.tabs.setCurrentWidget(dialog.bridges)
    box = dialog.bridges.boxes[field.split("_")[0]]
    box.setChecked(True)
    retype(qtbot, box.edits[field], typed)
    assert dialog.error_label.text().startswith(reason)
    assert not save_button(dialog).isEnabled()
    retype(qtbot, box.edits[field], "algomesh-k3v9q2" if field == "ntfy_topic" else "https://push.example.com")
    assert dialog.error_label.text() == "" and save_button(dialog).isEnabled()


def test_test_sound_beside_the_rules_asks_for_the_sound_picked(qtbot: QtBot, dialog: SettingsDialog) -> None:
    """The Rules tab shows the saved sound; "Test sound" asks for the one picked (saved or not), and
    Save keeps the pick."""
    dialog.load(Settings(sound="knock"), Settings().watched)
    dialog.tabs.setCurrentWidget(dialog.rules)
    combo, button = dialog.rules.sound_combo, dialog.rules.test_sound_button
    assert combo.currentData() == "knock" and button.text() == "Test sound" and button.isVisible()
    combo.setCurrentIndex(combo.findData("ping"))
    with qtbot.waitSignal(dialog.sound_test_requested, timeout=1000) as asked:
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert asked.args == ["ping"]
    with qtbot.waitSignal(dialog.settings_accepted, timeout=1000) as saved:
        qtbot.mouseClick(save_button(dialog), Qt.MouseButton.LeftButton)
    assert saved.args[0].sound == "ping"


def test_the_desktops_support_sentence_gets_the_lines_it_needs(qtbot: QtBot, dialog: SettingsDialog) -> None:
    """A wrapped label in a tab is not given its height for its width: the dialog reserves it, so the
    sentence is not drawn squeezed over "Show as" and "At most"."""
    sentence = ("This desktop's notification service (dunst 1.9.0 (2022-06-27)) shows clickable popups: a click "
                "opens the trade, and a button pauses popups for an hour.")  # fmt: skip
    dialog.set_notification_support(sentence)
    line = dialog.support_label.fontMetrics().lineSpacing()
    assert dialog.support_label.minimumHeight() >= 2 * line
    dialog.set_notification_support("")
    assert dialog.support_label.minimumHeight() == 0 and dialog.support_label.isHidden()


def test_start_at_login_shows_and_only_a_change_is_emitted(qtbot: QtBot, dialog: SettingsDialog) -> None:
    """The box shows whether the app starts at login; Save says so only when it was changed."""
    dialog.load(Settings(), start_at_login=True)
    assert dialog.start_at_login_check.isChecked()
    with qtbot.assertNotEmitted(dialog.start_at_login_changed), qtbot.waitSignal(dialog.settings_accepted):
        save_button(dialog).click()
    dialog.show()
    dialog.load(Settings(), start_at_login=True)
    qtbot.mouseClick(
        dialog.start_at_login_check,
        Qt.MouseButton.LeftButton,
        pos=dialog.start_at_login_check.rect().topLeft() + QPoint(6, 6),
    )
    with qtbot.waitSignal(dialog.start_at_login_changed, timeout=1000) as changed:
        save_button(dialog).click()
    assert changed.args == [False]
