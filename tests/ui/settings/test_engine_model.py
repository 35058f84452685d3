"""The Settings window's engine list model: rows, the on/off switch, Add's free name and port, the last row kept."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from algomesh_tray.feed.engines import Engine
from algomesh_tray.qt.settings.engine_model import ADDRESS, NAME, ON, EngineListModel, free_name, free_port

DESK = Engine("Desk", "127.0.0.1", 52000)
VPS = Engine("VPS", "203.0.113.5", 52000, "/connect", True)


def test_the_model_passes_qts_model_checks_through_add_edit_and_remove(qtmodeltester: ModelTester) -> None:
    """Qt's model tester watches a reset, two inserts, an edit, a switch and a removal."""
    model = EngineListModel()
    qtmodeltester.check(model)
    model.set_engines([DESK, VPS])
    model.add_engine()
    model.set_engine(2, Engine("Lab", "10.0.0.7", 52001))
    assert model.setData(model.index(1, ON), Qt.CheckState.Unchecked.value, Qt.ItemDataRole.CheckStateRole)
    model.remove_engine(0)
    qtmodeltester.check(model)
    assert model.engines() == (
        Engine("VPS", "203.0.113.5", 52000, "/connect", True, False),
        Engine("Lab", "10.0.0.7", 52001),
    )


def test_each_row_shows_name_address_and_a_switch(qtbot: QtBot) -> None:
    """Name and address as text, the On column a check box holding ``enabled``; only that column is checkable."""
    model = EngineListModel([DESK, Engine("VPS", "203.0.113.5", 443, "/feed", True, enabled=False)])
    assert [model.headerData(c, Qt.Orientation.Horizontal) for c in range(3)] == ["Name", "Address", "On"]
    assert model.data(model.index(1, NAME)) == "VPS"
    assert model.data(model.index(1, ADDRESS)) == "wss://203.0.113.5:443/feed"
    assert model.data(model.index(0, ON), Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked
    assert model.data(model.index(1, ON), Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Unchecked
    assert model.flags(model.index(0, ON)) & Qt.ItemFlag.ItemIsUserCheckable
    assert not model.flags(model.index(0, NAME)) & Qt.ItemFlag.ItemIsUserCheckable
    assert not model.setData(model.index(0, NAME), "Renamed")  # the form edits names, not the list
    assert model.engines()[0] == DESK


def test_the_switch_turns_an_engine_off_and_on(qtbot: QtBot) -> None:
    """Unchecking the On cell switches the engine off (and says so to views); checking turns it back on."""
    model = EngineListModel([DESK, VPS])
    changed: list[int] = []
    model.dataChanged.connect(lambda top, _bottom, _roles: changed.append(top.row()))
    assert model.setData(model.index(1, ON), Qt.CheckState.Unchecked, Qt.ItemDataRole.CheckStateRole)
    assert model.engine(1).enabled is False and changed == [1]
    assert model.setData(model.index(1, ON), Qt.CheckState.Checked.value, Qt.ItemDataRole.CheckStateRole)
    assert model.engine(1).enabled is True and changed == [1, 1]


def test_add_gives_a_free_name_and_the_next_free_port(qtbot: QtBot) -> None:
    """A new engine is "Engine N" (a name no engine has, case aside) at localhost on the port after the highest."""
    model = EngineListModel([Engine()])
    assert model.add_engine() == 1
    assert model.engine(1) == Engine("Engine 2", "localhost", 52001)
    model.set_engine(1, Engine("engine 3", "localhost", 52001))
    model.add_engine()
    assert model.engine(2) == Engine("Engine 4", "localhost", 52002)
    assert free_name([Engine("Desk"), Engine("VPS", port=1)]) == "Engine 3"
    assert free_port([Engine(port=65535)]) == 1024
    assert free_port([Engine(port=65535), Engine("B", port=1024)]) == 1025


def test_the_last_engine_is_never_removed(qtbot: QtBot) -> None:
    """With one row left, remove_engine does nothing and can_remove says so."""
    model = EngineListModel([DESK, VPS])
    assert model.can_remove()
    model.remove_engine(0)
    assert model.engines() == (VPS,) and not model.can_remove()
    model.remove_engine(0)
    assert model.engines() == (VPS,)
    model.remove_engine(5)  # a row that is not there: nothing
    assert model.rowCount() == 1 and model.rowCount(model.index(0, 0)) == 0


def test_a_refused_row_says_why_and_is_drawn_red(qtbot: QtBot) -> None:
    """The row that clashes (the later one) or is unusable has feed/engines.py's reason and the error colour."""
    model = EngineListModel([DESK, Engine("desk", "10.0.0.7"), Engine("Lab", "bad host")])
    assert model.problem(0) is None
    assert model.problem(1) == "Two engines are called 'desk': each needs its own name."
    assert model.problem(2) == "Lab: 'bad host' is not a valid host name or IP address."
    assert model.data(model.index(0, NAME), Qt.ItemDataRole.ForegroundRole) is None
    assert model.data(model.index(1, ADDRESS), Qt.ItemDataRole.ForegroundRole).color().name() == "#b91c1c"
    model.remove_engine(1)
    assert model.problem(1) is not None and model.data(QModelIndex()) is None


def test_names_are_shown_as_text_with_hidden_characters_made_visible(qtbot: QtBot) -> None:
    """Markup stays literal; a direction override or a line break shows as a replacement mark in the list,
    while the form (EditRole) gets the name exactly as typed."""
    model = EngineListModel([Engine("<b>Desk</b>"), Engine("VPS\u202e\nx", port=1)])
    assert model.data(model.index(0, NAME)) == "<b>Desk</b>"
    assert model.data(model.index(1, NAME)) == "VPS\ufffd\ufffdx"
    assert model.data(model.index(1, NAME), Qt.ItemDataRole.EditRole) == "VPS\u202e\nx"
