"""The Settings window's engines, as a trader uses them: add, edit, switch off, remove, Save; each refusal
with its reason and Save off; warnings and the in-use note per engine; untrusted names kept as text."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit, QPushButton
from pytestqt.qtbot import QtBot

from algomesh_tray.feed.engines import Engine
from algomesh_tray.qt.settings.engine_model import NAME, ON
from algomesh_tray.qt.settings.engines_panel import NO_ENGINE_ON, EnginesPanel, in_use_note
from algomesh_tray.qt.settings.settings_dialog import SettingsDialog
from algomesh_tray.settings import Settings

from .conftest import save_button

DESK = Engine("Desk", "127.0.0.1", 52000)
VPS = Engine("VPS", "203.0.113.5", 52000, "/connect", True)


def retype(qtbot: QtBot, edit: QLineEdit, text: str) -> None:
    """Replace a field's text the way a user does: select everything, then type."""
    edit.selectAll()
    qtbot.keyClicks(edit, text)


def click(qtbot: QtBot, button: QPushButton) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def paste(qtbot: QtBot, edit: QLineEdit, text: str) -> None:
    """Ctrl+V with ``text`` on the clipboard: how a name copied from a chat arrives, hidden characters and all."""
    clipboard = QApplication.clipboard()
    clipboard.setText(text)
    qtbot.keyClick(edit, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)


def toggle_switch(qtbot: QtBot, panel: EnginesPanel, row: int) -> None:
    """Space on a row's On cell, as a keyboard user switches it."""
    panel.view.setFocus()
    panel.view.setCurrentIndex(panel.model.index(row, ON))
    qtbot.keyClick(panel.view.viewport(), Qt.Key.Key_Space)


def test_add_edit_and_switch_off_then_save_emits_those_engines(qtbot: QtBot, dialog: SettingsDialog) -> None:
    """Add makes "Engine 2" on the next port and selects it; typing renames and moves it; the first one is
    switched off; Save hands over both, in order."""
    panel = dialog.engines
    click(qtbot, panel.add_button)
    assert panel.model.rowCount() == 2 and panel.current_row() == 1
    assert (panel.name_edit.text(), panel.host_edit.text(), panel.port_spin.value()) == ("Engine 2", "localhost", 52001)
    assert panel.name_edit.hasFocus() and panel.name_edit.selectedText() == "Engine 2"
    qtbot.keyClicks(panel.name_edit, "VPS")  # the name was selected: typing replaces it
    retype(qtbot, panel.host_edit, "203.0.113.5")
    qtbot.keyClick(panel.secure_check, Qt.Key.Key_Space)
    assert panel.model.data(panel.model.index(1, NAME)) == "VPS"
    assert panel.address_label.text() == "wss://203.0.113.5:52001/connect"
    toggle_switch(qtbot, panel, 0)
    assert panel.model.engine(0).enabled is False
    assert dialog.error_label.text() == "" and save_button(dialog).isEnabled()
    with qtbot.waitSignal(dialog.settings_accepted, timeout=1000) as blocker:
        click(qtbot, save_button(dialog))
    (saved,) = blocker.args
    assert saved.engines == (Engine(enabled=False), Engine("VPS", "203.0.113.5", 52001, "/connect", True))
    assert saved.watched == (saved.engines[1],)


def test_selecting_an_engine_shows_it_and_edits_change_only_it(qtbot: QtBot, dialog: SettingsDialog) -> None:
    """The form follows the selection; typing in it changes the selected engine and no other."""
    dialog.load(Settings(engines=(DESK, VPS)))
    panel = dialog.engines
    assert panel.name_edit.text() == "Desk"
    qtbot.mouseClick(
        panel.view.viewport(), Qt.MouseButton.LeftButton, pos=panel.view.visualRect(panel.model.index(1, NAME)).center()
    )
    assert panel.current_row() == 1
    assert (panel.name_edit.text(), panel.host_edit.text(), panel.secure_check.isChecked()) == (
        "VPS",
        "203.0.113.5",
        True,
    )
    retype(qtbot, panel.path_edit, "/feed")
    assert panel.engines() == (DESK, Engine("VPS", "203.0.113.5", 52000, "/feed", True))
    panel.select(0)
    assert panel.path_edit.text() == "/connect" and panel.engines()[0] == DESK


def test_remove_takes_the_selected_engine_and_never_the_last(qtbot: QtBot, dialog: SettingsDialog) -> None:
    """Remove is off with one engine; with two it removes the selected one and is off again; Save keeps the other."""
    panel = dialog.engines
    assert not panel.remove_button.isEnabled()
    dialog.load(Settings(engines=(DESK, VPS)))
    assert panel.remove_button.isEnabled()
    panel.select(0)
    click(qtbot, panel.remove_button)
    assert panel.engines() == (VPS,) and panel.name_edit.text() == "VPS"
    assert not panel.remove_button.isEnabled()
    click(qtbot, panel.remove_button)  # a disabled button takes no click
    assert panel.engines() == (VPS,)
    with qtbot.waitSignal(dialog.settings_accepted, timeout=1000) as blocker:
        click(qtbot, save_button(dialog))
    assert blocker.args[0].engines == (VPS,)


@pytest.mark.parametrize(
    ("field", "typed", "reason"),
    [
        ("name_edit", "AlgoMesh", "Two engines are called 'AlgoMesh': each needs its own name."),
        ("name_edit", "ALGOMESH", "Two engines are called 'ALGOMESH': each needs its own name."),
        (
            "port_spin",
            "52000",
            "'Engine 2' and 'AlgoMesh' have the same address (ws://localhost:52000/connect): keep one.",
        ),
        ("name_edit", "Desk\u202eSPV", "An engine's name may not hold control characters"),
        ("name_edit", "Desk\tVPS", "An engine's name may not hold control characters"),
        ("name_edit", "Desk\nVPS", "An engine's name may not hold control characters"),
        ("name_edit", " ", "An engine needs a name, e.g. Desk or VPS."),
        ("name_edit", "x" * 41, "An engine's name may have at most 40 characters."),
        ("host_edit", "bad host", "Engine 2: 'bad host' is not a valid host name or IP address."),
        ("host_edit", "-leading.example", "Engine 2: '-leading.example' is not a valid host name"),
        ("path_edit", "connect", "Engine 2: The path must start with / and contain no spaces"),
        ("path_edit", "/with space", "Engine 2: The path must start with /"),
    ],
)
def test_each_refusal_says_why_and_turns_save_off(
    qtbot: QtBot, dialog: SettingsDialog, field: str, typed: str, reason: str
) -> None:
    """Typed into the second engine: the reason shows as typed, Save is off, the row is red; undoing it
    brings Save back."""
    panel = dialog.engines
    click(qtbot, panel.add_button)
    widget = getattr(panel, field)
    before = widget.text()
    widget.selectAll()
    if typed.isprintable():
        qtbot.keyClicks(widget, typed)
    else:  # no key types a direction override or a tab into a line edit; a paste does
        paste(qtbot, widget, typed)
    assert dialog.error_label.text().startswith(reason)
    assert not save_button(dialog).isEnabled()
    assert panel.model.problem(1) is not None
    assert panel.model.data(panel.model.index(1, NAME), Qt.ItemDataRole.ForegroundRole) is not None
    widget.selectAll()
    qtbot.keyClicks(widget, before)
    assert dialog.error_label.text() == "" and save_button(dialog).isEnabled()


def test_a_port_outside_1_to_65535_cannot_be_typed(qtbot: QtBot, dialog: SettingsDialog) -> None:
    """The port box takes no 0 and no sixth digit: the address always holds a port the feed can use."""
    spin = dialog.engines.port_spin
    spin.selectAll()
    qtbot.keyClicks(spin, "70000")
    assert 1 <= spin.value() <= 65535 and dialog.engines.model.engine(0).port == spin.value()
    spin.selectAll()
    qtbot.keyClicks(spin, "0")
    assert spin.value() >= 1


def test_a_refused_engine_elsewhere_in_the_list_keeps_save_off(qtbot: QtBot, dialog: SettingsDialog) -> None:
    """Selecting another engine does not hide a refusal: Save stays off until the engine is fixed or removed."""
    panel = dialog.engines
    click(qtbot, panel.add_button)
    retype(qtbot, panel.host_edit, "bad host")
    panel.select(0)
    assert not save_button(dialog).isEnabled() and "'bad host'" in dialog.error_label.text()
    panel.select(1)
    click(qtbot, panel.remove_button)
    assert save_button(dialog).isEnabled() and dialog.error_label.text() == ""


def test_each_switched_on_engine_reached_unencrypted_is_warned_about(qtbot: QtBot, dialog: SettingsDialog) -> None:
    """One warning per remote ws:// engine that is on, naming it; none for wss://, loopback or an engine off;
    every engine off is said too (it is allowed: the tray then watches none)."""
    lab = Engine("Lab", "192.0.2.10", 52000)
    office = Engine("Office", "office.example", 52000)
    dialog.load(Settings(engines=(DESK, VPS, lab, office)))
    lines = dialog.warning_label.text().splitlines()
    assert [line.split(" travel")[0] for line in lines] == [
        "Signals from Lab (192.0.2.10)",
        "Signals from Office (office.example)",
    ]
    panel = dialog.engines
    qtbot.mouseClick(
        panel.view.viewport(), Qt.MouseButton.LeftButton, pos=panel.view.visualRect(panel.model.index(2, ON)).center()
    )
    assert panel.model.engine(2).enabled is False  # a click on Lab's box switched it off
    assert (
        dialog.warning_label.text().startswith("Signals from Office")
        and len(dialog.warning_label.text().splitlines()) == 1
    )
    for row in (0, 1, 3):
        toggle_switch(qtbot, dialog.engines, row)
    assert dialog.warning_label.text() == NO_ENGINE_ON and dialog.warning_label.isVisible()
    assert save_button(dialog).isEnabled()


def test_the_in_use_note_compares_names_and_addresses_not_order() -> None:
    """No note when the run watches the saved engines switched on, in any order; a note naming the run's
    engines when they differ (demo, --engine) or when the app does not watch a saved one."""
    saved = (DESK, VPS, Engine("Lab", "10.0.0.7", enabled=False))
    assert in_use_note(None, saved) == ""
    assert in_use_note([VPS, DESK], saved) == ""
    assert in_use_note([DESK], saved).startswith("This run watches Desk (ws://127.0.0.1:52000/connect);")
    assert in_use_note([Engine("Desk", "127.0.0.1", 40000)], saved).startswith(
        "This run watches Desk (ws://127.0.0.1:40000"
    )
    assert in_use_note([], saved).startswith("This run watches no engine;")


def test_untrusted_names_stay_plain_text(qtbot: QtBot, dialog: SettingsDialog) -> None:
    """A name with markup is shown literally in the list, the form, the warning, the error and the in-use note;
    a direction override cannot reorder the text of the list, the note or the error."""
    shouty = Engine("<b>Desk</b>", "192.0.2.10", 52000)
    dialog.load(Settings(engines=(shouty,)), [Engine("<i>Demo</i>\u202e", "127.0.0.1", 40000)])
    panel = dialog.engines
    assert panel.model.data(panel.model.index(0, NAME)) == "<b>Desk</b>"
    assert panel.name_edit.text() == "<b>Desk</b>"
    assert dialog.warning_label.text().startswith("Signals from <b>Desk</b> (192.0.2.10)")
    assert panel.active_label.text().startswith("This run watches <i>Demo</i>\ufffd (")
    click(qtbot, panel.add_button)
    retype(qtbot, panel.name_edit, "<B>DESK</B>")
    assert dialog.error_label.text() == "Two engines are called '<B>DESK</B>': each needs its own name."
    panel.host_edit.end(False)
    paste(qtbot, panel.host_edit, "\u202e.example")  # the error quotes the host: the override is made visible
    assert dialog.error_label.text() == "<B>DESK</B>: 'localhost\ufffd.example' is not a valid host name or IP address."
    for label in (dialog.warning_label, dialog.error_label, panel.active_label, panel.address_label):
        assert label.textFormat() == Qt.TextFormat.PlainText
