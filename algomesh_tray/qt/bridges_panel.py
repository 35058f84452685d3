"""The Settings window's bridges: Telegram, Discord and a JSON webhook, each with its own filter,
a "Send test message" button and a status line. Secrets are shown masked."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from ..bridges import BRIDGE_KINDS
from ..settings import Settings

__all__ = ["BridgesPanel"]

#: kind -> [(secret or setting name, label, is secret)]
_FIELDS = {
    "telegram": [("telegram_token", "Bot token:", True), ("telegram_chat_id", "Chat ID:", False)],
    "discord": [("discord_webhook_url", "Webhook URL:", True)],
    "webhook": [("webhook_url", "URL (POST JSON):", True)],
}


class _BridgeBox(QGroupBox):
    def __init__(self, kind: str) -> None:
        super().__init__(f"Forward to {BRIDGE_KINDS[kind]}")
        self.kind = kind
        self.setCheckable(True)
        self.edits: dict[str, QLineEdit] = {}
        form = QFormLayout(self)
        for name, label, secret in _FIELDS[kind]:
            edit = QLineEdit()
            if secret:
                edit.setEchoMode(QLineEdit.EchoMode.Password)
            self.edits[name] = edit
            form.addRow(label, edit)
        self.filter_edit = QLineEdit(placeholderText="all signals, or words that must all appear")
        form.addRow("Only:", self.filter_edit)
        self.test_button = QPushButton("Send test message")
        self.status_label = QLabel(textFormat=Qt.TextFormat.PlainText, wordWrap=True)
        row = QHBoxLayout()
        row.addWidget(self.test_button)
        row.addWidget(self.status_label, 1)
        form.addRow(row)


class BridgesPanel(QWidget):
    """Edits bridge settings and secrets; asks the app to send test messages."""

    test_requested = Signal(str)  # kind

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.boxes = {kind: _BridgeBox(kind) for kind in BRIDGE_KINDS}
        layout = QVBoxLayout(self)
        for box in self.boxes.values():
            layout.addWidget(box)
            box.test_button.clicked.connect(lambda _=False, kind=box.kind: self.test_requested.emit(kind))
        layout.addStretch(1)

    def load(self, settings: Settings, secrets: dict[str, str]) -> None:
        for kind, box in self.boxes.items():
            box.setChecked(bool(getattr(settings, f"{kind}_enabled")))
            box.filter_edit.setText(getattr(settings, f"{kind}_filter"))
            for name, edit in box.edits.items():
                edit.setText(secrets.get(name, ""))
        self.boxes["telegram"].edits["telegram_chat_id"].setText(settings.telegram_chat_id)

    def settings_values(self) -> dict[str, object]:
        """The non-secret fields, as Settings keyword arguments."""
        values: dict[str, object] = {}
        for kind, box in self.boxes.items():
            values[f"{kind}_enabled"] = box.isChecked()
            values[f"{kind}_filter"] = box.filter_edit.text().strip()
        values["telegram_chat_id"] = self.boxes["telegram"].edits["telegram_chat_id"].text().strip()
        return values

    def secrets(self) -> dict[str, str]:
        return {
            name: edit.text().strip()
            for box in self.boxes.values()
            for name, edit in box.edits.items()
            if name != "telegram_chat_id"
        }

    def set_status(self, kind: str, text: str) -> None:
        self.boxes[kind].status_label.setText(text)
