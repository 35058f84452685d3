"""The Settings window's bridges: Telegram, Discord, a JSON webhook and the phone push services
(ntfy, Pushover, Gotify), each with its own filter, a switch for engine alerts, a "Send test
message" button and a status line. Secrets are shown masked; the list scrolls."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ...bridges.kinds import BRIDGES, BridgeKind
from ...settings import Settings

__all__ = ["BridgesPanel"]


class _BridgeBox(QGroupBox):
    def __init__(self, kind: BridgeKind) -> None:
        super().__init__(f"Forward to {kind.label}")
        self.kind = kind
        self.setCheckable(True)
        self.edits: dict[str, QLineEdit] = {}
        form = QFormLayout(self)
        for field in kind.fields:
            edit = QLineEdit()
            if field.secret:
                edit.setEchoMode(QLineEdit.EchoMode.Password)
            edit.setPlaceholderText(field.hint)
            self.edits[field.name] = edit
            form.addRow(field.label, edit)
        self.filter_edit = QLineEdit(placeholderText="all signals, or words that must all appear")
        form.addRow("Only:", self.filter_edit)
        self.engine_status_check = QCheckBox("Also send engine alerts (engine down / back)")
        form.addRow(self.engine_status_check)
        self.test_button = QPushButton("Send test message")
        self.status_label = QLabel(textFormat=Qt.TextFormat.PlainText, wordWrap=True)
        row = QHBoxLayout()
        row.addWidget(self.test_button)
        row.addWidget(self.status_label, 1)
        form.addRow(row)


class BridgesPanel(QWidget):
    """Edits bridge settings and secrets; asks the app to send test messages."""

    test_requested = Signal(str)  # kind
    #: A setting (not a secret) was edited: the dialog checks it at once (an ntfy topic, a server).
    edited = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.boxes = {kind.name: _BridgeBox(kind) for kind in BRIDGES}
        inner = QWidget()
        layout = QVBoxLayout(inner)
        for name, box in self.boxes.items():
            layout.addWidget(box)
            box.test_button.clicked.connect(lambda _=False, name=name: self.test_requested.emit(name))
            for setting in box.kind.setting_names:
                box.edits[setting].textChanged.connect(self.edited)
        layout.addStretch(1)
        self.scroll_area = QScrollArea(widgetResizable=True)
        self.scroll_area.setFrameShape(QScrollArea.Shape.NoFrame)
        self.scroll_area.setWidget(inner)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.scroll_area)

    def load(self, settings: Settings, secrets: dict[str, str]) -> None:
        for box in self.boxes.values():
            box.setChecked(box.kind.is_enabled(settings))
            box.filter_edit.setText(box.kind.words(settings))
            box.engine_status_check.setChecked(bool(getattr(settings, box.kind.engine_status_setting)))
            for name, edit in box.edits.items():
                edit.setText(secrets.get(name, "") if name in box.kind.secret_names else getattr(settings, name))

    def settings_values(self) -> dict[str, object]:
        """The non-secret fields, as Settings keyword arguments."""
        values: dict[str, object] = {}
        for box in self.boxes.values():
            values[box.kind.enabled_setting] = box.isChecked()
            values[box.kind.filter_setting] = box.filter_edit.text().strip()
            values[box.kind.engine_status_setting] = box.engine_status_check.isChecked()
            values.update({name: box.edits[name].text().strip() for name in box.kind.setting_names})
        return values

    def secrets(self) -> dict[str, str]:
        return {name: box.edits[name].text().strip() for box in self.boxes.values() for name in box.kind.secret_names}

    def set_status(self, kind: str, text: str) -> None:
        self.boxes[kind].status_label.setText(text)
