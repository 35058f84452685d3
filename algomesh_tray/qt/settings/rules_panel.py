"""The Settings window's rules: which signals notify, stay silent or ring, and quiet hours, with a
live preview of what the rules do to the last 100 signals."""

from __future__ import annotations

from collections import Counter

from PySide6.QtCore import QStringListModel, Qt, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ...feed.protocol import StrategySignal
from ...feed.signal_text import notification_title
from ...notify.rules import RulesError, outcome_for, parse_quiet_hours, parse_rules
from ...notify.sound import SOUNDS
from ...util.formatting import safe_text

__all__ = ["RulesPanel"]

PLACEHOLDER = """# One rule a line, first match wins; everything else notifies.
# Fields: strategy, symbol, action, trade, status. Outcomes: notify, silent, sound.
trade paper: silent
strategy BTC_Momentum_Scalp: sound"""


class RulesPanel(QWidget):
    """Edits the rules and quiet hours; says what they would do to recent signals as you type."""

    validity_changed = Signal(str)  # "" when valid, else what is wrong
    sound_test_requested = Signal(str)  # "Test sound": play the sound picked (a key of SOUNDS)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._recent: list[StrategySignal] = []
        self.rules_edit = QPlainTextEdit(placeholderText=PLACEHOLDER)
        self.rules_edit.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.quiet_edit = QLineEdit(placeholderText="e.g. 22:00-07:00 (no popups then)")
        self.summary_label = QLabel(textFormat=Qt.TextFormat.PlainText, wordWrap=True)
        self.preview_model = QStringListModel(self)
        self.preview = QListView()
        self.preview.setModel(self.preview_model)
        self.preview.setEditTriggers(QListView.EditTrigger.NoEditTriggers)
        self.sound_combo = QComboBox()
        for key, label in SOUNDS.items():
            self.sound_combo.addItem(label, key)
        self.test_sound_button = QPushButton("Test sound")
        self.test_sound_button.setToolTip('Play the sound a "sound" rule\'s popup makes on this desktop')
        sound_row = QHBoxLayout()
        sound_row.addWidget(QLabel('A "sound" rule\'s popup plays:'))
        sound_row.addWidget(self.sound_combo)
        sound_row.addWidget(self.test_sound_button)
        sound_row.addStretch(1)
        form = QFormLayout()
        form.addRow("Quiet hours:", self.quiet_edit)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Rules:"))
        layout.addWidget(self.rules_edit, 2)
        layout.addLayout(sound_row)
        layout.addLayout(form)
        layout.addWidget(self.summary_label)
        layout.addWidget(self.preview, 3)
        self.rules_edit.textChanged.connect(self.refresh)
        self.quiet_edit.textChanged.connect(self.refresh)
        self.test_sound_button.clicked.connect(self._on_test_sound_button_clicked)

    def load(self, rules: str, quiet_hours: str, recent: list[StrategySignal], sound: str = "desktop") -> None:
        """Show the saved rules and sound, with the newest signals (at most 100) for the preview."""
        self._recent = recent[:100]
        self.sound_combo.setCurrentIndex(max(0, self.sound_combo.findData(sound)))
        self.rules_edit.setPlainText(rules)
        self.quiet_edit.setText(quiet_hours)
        self.refresh()

    def values(self) -> dict[str, str]:
        return {
            "rules": self.rules_edit.toPlainText().strip(),
            "quiet_hours": self.quiet_edit.text().strip(),
            "sound": str(self.sound_combo.currentData()),
        }

    def _on_test_sound_button_clicked(self) -> None:
        self.sound_test_requested.emit(str(self.sound_combo.currentData()))

    def refresh(self) -> None:
        try:
            rules = parse_rules(self.rules_edit.toPlainText())
            parse_quiet_hours(self.quiet_edit.text())
        except RulesError as error:
            self.summary_label.setText(str(error))
            self.validity_changed.emit(str(error))
            return
        outcomes = [outcome_for(signal, rules) for signal in self._recent]
        counts = Counter(outcomes)
        if self._recent:
            self.summary_label.setText(
                f"Of the last {len(self._recent)} signals: {counts['notify']} notify, {counts['sound']} with sound, "
                f"{counts['silent']} silent."
            )
        else:
            self.summary_label.setText("No signals yet to preview the rules on.")
        self.preview_model.setStringList(
            [f"{outcome:<7} {safe_text(notification_title(signal), 40)} · {safe_text(signal.strategy_name, 40)} · "
             f"{safe_text(signal.trade_type, 12)}" for signal, outcome in zip(self._recent, outcomes, strict=True)]
        )  # fmt: skip
        self.validity_changed.emit("")
