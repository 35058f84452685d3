"""The Settings window's engines: the list (engine_model.py) with Add and Remove, a form for the
selected engine, and the note saying which engines this run watches when they are not the saved
ones (--demo, --engine).

The form writes each keystroke into the model (not a QDataWidgetMapper: its submit sets the text
back and the cursor jumps to the end), so the dialog checks the list as the user types.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ...feed.engines import Engine, address_problem
from ...settings import unencrypted_warning
from ...util.formatting import safe_text
from .engine_model import ADDRESS, NAME, ON, EngineListModel

__all__ = ["NO_ENGINE_ON", "EnginesPanel", "engine_warnings", "in_use_note"]

NO_ENGINE_ON = "No engine is switched on: the tray watches none until one is."


def in_use_note(active: Sequence[Engine] | None, saved: Sequence[Engine]) -> str:
    """What this run watches when it is not the saved engines switched on (demo, --engine); "" when it is."""
    if active is None:
        return ""
    running = {(engine.name, engine.url) for engine in active}
    if running == {(engine.name, engine.url) for engine in saved if engine.enabled}:
        return ""
    names = ", ".join(f"{safe_text(engine.name)} ({safe_text(engine.url)})" for engine in active) or "no engine"
    return f"This run watches {names}; saving a change to the engines above watches those instead."


def engine_warnings(engines: Sequence[Engine]) -> list[str]:
    """The warnings for the engines as typed: each switched-on engine reached unencrypted over a
    network, and a list with every engine switched off."""
    watched = [engine for engine in engines if engine.enabled]
    if not watched:
        return [NO_ENGINE_ON]
    usable = (engine for engine in watched if address_problem(engine.host, engine.port, engine.path) is None)
    return [warning for engine in usable if (warning := unencrypted_warning(engine))]


def _plain_label(*, colour: str | None = None) -> QLabel:
    label = QLabel(textFormat=Qt.TextFormat.PlainText, wordWrap=True)
    if colour:
        label.setStyleSheet(f"color: {colour};")
    return label


class EnginesPanel(QGroupBox):
    """Edits the list of engines; ``edited`` after each change, for the dialog to check them."""

    edited = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("AlgoMesh engines", parent)
        self._showing = False  # the form is being filled from the model: its signals are not edits
        self.model = EngineListModel(parent=self)
        self.view = self._build_view()
        self.add_button = QPushButton("Add")
        self.add_button.setToolTip("Add an engine on this computer, with a name and a port of its own")
        self.remove_button = QPushButton("Remove")
        self.remove_button.setToolTip("Remove the selected engine (there is always one)")
        self.name_edit = QLineEdit(placeholderText="e.g. Desk or VPS")
        self.host_edit = QLineEdit(placeholderText="localhost")
        self.port_spin = QSpinBox()
        self.port_spin.setRange(1, 65535)
        self.path_edit = QLineEdit(placeholderText="/connect")
        self.secure_check = QCheckBox("Encrypted (wss://)")
        self.address_label = _plain_label()
        self.active_label = _plain_label(colour="#4b5563")
        self.active_label.hide()

        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        form = QFormLayout()
        form.addRow("Name:", self.name_edit)
        form.addRow("Host:", self.host_edit)
        form.addRow("Port:", self.port_spin)
        form.addRow("Path:", self.path_edit)
        form.addRow("", self.secure_check)
        form.addRow("Address:", self.address_label)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view)
        layout.addLayout(buttons)
        layout.addLayout(form)
        layout.addWidget(self.active_label)
        self._connect()

    def _build_view(self) -> QTableView:
        view = QTableView()
        view.setModel(self.model)
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)  # the switch still toggles
        view.verticalHeader().hide()
        view.setWordWrap(False)
        header = view.horizontalHeader()
        header.setSectionResizeMode(NAME, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(ADDRESS, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(ON, QHeaderView.ResizeMode.ResizeToContents)
        view.setMinimumHeight(view.verticalHeader().defaultSectionSize() * 4 + header.sizeHint().height())
        view.setMaximumHeight(view.verticalHeader().defaultSectionSize() * 6 + header.sizeHint().height())
        return view

    def _connect(self) -> None:
        self.add_button.clicked.connect(self._on_add_button_clicked)
        self.remove_button.clicked.connect(self._on_remove_button_clicked)
        self.view.selectionModel().currentRowChanged.connect(self._on_view_current_row_changed)
        for changed in (self.model.dataChanged, self.model.rowsInserted, self.model.rowsRemoved,
                        self.model.modelReset):  # fmt: skip
            changed.connect(self._on_model_changed)
        for edited in (self.name_edit.textChanged, self.host_edit.textChanged, self.path_edit.textChanged,
                       self.port_spin.valueChanged, self.secure_check.toggled):  # fmt: skip
            edited.connect(self._on_form_edited)

    def load(self, engines: Sequence[Engine], active: Sequence[Engine] | None = None) -> None:
        """Show the saved ``engines``, the first selected, and say which ``active`` engines this run
        watches if they differ (None: the app did not say)."""
        self.model.set_engines(engines)
        self.select(0)
        note = in_use_note(active, engines)
        self.active_label.setText(note)
        self.active_label.setVisible(bool(note))

    def engines(self) -> tuple[Engine, ...]:
        """The engines as typed, usable or not (the dialog has them checked)."""
        return self.model.engines()

    def current_row(self) -> int:
        return self.view.currentIndex().row()

    def select(self, row: int) -> None:
        self.view.setCurrentIndex(self.model.index(row, NAME))

    def _on_add_button_clicked(self) -> None:
        self.select(self.model.add_engine())
        self.name_edit.setFocus(Qt.FocusReason.OtherFocusReason)
        self.name_edit.selectAll()

    def _on_remove_button_clicked(self) -> None:
        row = self.current_row()
        self.model.remove_engine(row)
        self.select(min(max(row, 0), self.model.rowCount() - 1))

    def _on_model_changed(self) -> None:
        self.remove_button.setEnabled(self.model.can_remove() and self.current_row() >= 0)
        self._show_address()
        self.edited.emit()

    def _on_view_current_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        """Fill the form with the engine selected."""
        row = current.row()
        for widget in (self.name_edit, self.host_edit, self.port_spin, self.path_edit, self.secure_check):
            widget.setEnabled(row >= 0)
        self.remove_button.setEnabled(self.model.can_remove() and row >= 0)
        if row < 0:
            return
        engine = self.model.engine(row)
        self._showing = True
        try:
            self.name_edit.setText(engine.name)
            self.host_edit.setText(engine.host)
            self.port_spin.setValue(engine.port)
            self.path_edit.setText(engine.path)
            self.secure_check.setChecked(engine.secure)
        finally:
            self._showing = False
        self._show_address()

    def _on_form_edited(self) -> None:
        row = self.current_row()
        if self._showing or row < 0:
            return
        typed = replace(
            self.model.engine(row),
            name=self.name_edit.text().strip(),
            host=self.host_edit.text().strip(),
            port=self.port_spin.value(),
            path=self.path_edit.text().strip(),
            secure=self.secure_check.isChecked(),
        )
        self.model.set_engine(row, typed)

    def _show_address(self) -> None:
        """The selected engine's address, or a dash while it is not a usable one."""
        row = self.current_row()
        engine = self.model.engine(row) if 0 <= row < self.model.rowCount() else None
        usable = engine is not None and address_problem(engine.host, engine.port, engine.path) is None
        self.address_label.setText(safe_text(engine.url) if engine is not None and usable else "—")
