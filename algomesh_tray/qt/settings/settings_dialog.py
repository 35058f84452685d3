"""The Settings window: the engines (engines_panel.py), notification style and engine alerts, rules and
bridges, validated as the user types, with a sentence saying what this desktop's notifications can do."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import replace

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ...feed.engines import Engine
from ...feed.protocol import StrategySignal
from ...notify.choice import keeps_popups_on_screen, offered_styles
from ...settings import MAX_ENGINE_ALERT_SECONDS, Settings, SettingsError
from ...util.formatting import safe_text
from .bridges_panel import BridgesPanel
from .engines_panel import EnginesPanel, engine_warnings
from .rules_panel import RulesPanel

__all__ = ["SettingsDialog"]

_STYLE_LABELS = {
    "native": "Desktop notifications (clickable where the desktop allows)",
    "tray": "Tray messages",
    "plyer": "notify-send (compatibility)",
}


def _plain_label(*, colour: str | None = None) -> QLabel:
    label = QLabel()
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    if colour:
        label.setStyleSheet(f"color: {colour};")
    return label


def _engine_alert_spin() -> QSpinBox:
    """Seconds of outage before the engine alert; 0 shows as "Off" (no alerts)."""
    spin = QSpinBox()
    spin.setRange(0, MAX_ENGINE_ALERT_SECONDS)
    spin.setSuffix(" s without the engine")
    spin.setSpecialValueText("Off")
    return spin


def _escalate_spin() -> QSpinBox:
    """Seconds an unanswered outage alert waits before it goes to the bridges; 0 shows as "At once"."""
    spin = QSpinBox()
    spin.setRange(0, MAX_ENGINE_ALERT_SECONDS)
    spin.setSuffix(" s unanswered")
    spin.setSpecialValueText("At once")
    spin.setToolTip(
        'An engine alert nobody at the desk answers (by clicking it, its "I\'m on it" button or the tray '
        "menu) goes to the bridges that tell engine status, at their high priority."
    )
    return spin


class SettingsDialog(QDialog):
    """Emits ``settings_accepted`` with validated settings; never runs a nested event loop."""

    settings_accepted = Signal(object)
    start_at_login_changed = Signal(bool)
    secrets_accepted = Signal(dict)  # only when a token or webhook address changed
    #: (kind, settings as typed, secrets as typed): send a test message with what is on screen.
    bridge_test_requested = Signal(str, object, dict)
    sound_test_requested = Signal(str)  # the Rules tab's "Test sound", with the sound picked

    def __init__(
        self,
        settings: Settings,
        icon: QIcon,
        active_engines: Sequence[Engine] | None = None,
        parent: QWidget | None = None,
        *,
        start_at_login: bool = False,
        platform: str = sys.platform,
    ) -> None:
        """``platform``: what the choices are built for (notify/choice.offered_styles)."""
        super().__init__(parent)
        self._platform = platform
        self.setWindowTitle("AlgoMesh Tray — Settings")
        self.setWindowIcon(icon)
        self.setMinimumWidth(460)
        self._base = settings

        self.warning_label = _plain_label(colour="#b45309")
        self.error_label = _plain_label(colour="#b91c1c")
        self._start_at_login = False
        self.engines = EnginesPanel()
        notify_box = self._build_notifications_box()

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        general = QWidget()
        general_layout = QVBoxLayout(general)
        general_layout.addWidget(self.engines)
        general_layout.addWidget(self.warning_label)
        general_layout.addWidget(notify_box)
        general_layout.addStretch(1)
        self.bridges = BridgesPanel()
        self.rules = RulesPanel()
        self.tabs = QTabWidget()
        self.tabs.addTab(general, "General")
        self.tabs.addTab(self.rules, "Rules")
        self.tabs.addTab(self.bridges, "Bridges")
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        self.bridges.test_requested.connect(self._on_bridges_test_requested)
        self.rules.validity_changed.connect(self._refresh)
        self.bridges.edited.connect(self._refresh)
        self.rules.sound_test_requested.connect(self.sound_test_requested)

        self._secrets: dict[str, str] = {}
        self.load(settings, active_engines, start_at_login=start_at_login)
        for edited in (self.engines.edited, self.engine_alert_spin.valueChanged, self.escalate_spin.valueChanged):
            edited.connect(self._refresh)
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)

    def _build_notifications_box(self) -> QGroupBox:
        self.style_combo = QComboBox()
        for style in offered_styles(self._platform):
            self.style_combo.addItem(_STYLE_LABELS[style], style)
        self.style_combo.currentIndexChanged.connect(self._show_expiry_choice)
        self.popups_spin = QSpinBox()
        self.popups_spin.setRange(1, 100)
        self.popups_spin.setSuffix(" a second, then one summary")
        self.keep_popups_check = QCheckBox("Keep popups on screen until dismissed")
        self.keep_popups_check.setToolTip(
            "Only the desktop's notification service takes this; other styles expire as they do."
        )
        # Toasts and Notification Center keep their own time: nothing to offer there.
        self.keep_popups_check.setVisible(
            any(keeps_popups_on_screen(s, self._platform) for s in offered_styles(self._platform))
        )
        self.engine_alert_spin = _engine_alert_spin()
        self.escalate_spin = _escalate_spin()
        self.support_label = _plain_label(colour="#4b5563")
        self.support_label.hide()  # until the app says what this desktop can do
        self.start_at_login_check = QCheckBox("Start AlgoMesh Tray when I log in")
        box = QGroupBox("Notifications")
        form = QFormLayout(box)
        form.addRow("Show as:", self.style_combo)
        form.addRow(self.support_label)
        form.addRow("At most:", self.popups_spin)
        form.addRow(self.keep_popups_check)
        form.addRow("Engine alert after:", self.engine_alert_spin)
        form.addRow("To the bridges after:", self.escalate_spin)
        form.addRow(self.start_at_login_check)
        return box

    def _show_expiry_choice(self) -> None:
        """ "Keep popups on screen" can be ticked only with the style that takes it."""
        self.keep_popups_check.setEnabled(keeps_popups_on_screen(self.style_combo.currentData(), self._platform))

    def set_notification_support(self, text: str) -> None:
        """Say, as plain text, what this desktop's notifications can do (notify/choice.support_sentence)."""
        self.support_label.setText(text)
        self.support_label.setVisible(bool(text))
        # A tab does not pass a wrapped label's height for its width on to the dialog: reserve the
        # lines the text takes at the width the form gives it, or it is drawn squeezed over its neighbours.
        width = max(self.support_label.width(), self.minimumWidth() - 40)
        lines = self.support_label.fontMetrics().boundingRect(0, 0, width, 10_000, Qt.TextFlag.TextWordWrap, text)
        self.support_label.setMinimumHeight(lines.height() if text else 0)

    def load(
        self,
        settings: Settings,
        active_engines: Sequence[Engine] | None = None,
        *,
        start_at_login: bool = False,
        secrets: dict[str, str] | None = None,
        recent: list[StrategySignal] | None = None,
    ) -> None:
        """Show ``settings`` in the fields (each time the dialog is opened), and the engines this run
        watches when they are not the saved ones switched on (--demo, --engine); None: not said."""
        self._base = settings
        self._start_at_login = start_at_login
        self.start_at_login_check.setChecked(start_at_login)
        self._secrets = dict(secrets or {})
        self.bridges.load(settings, self._secrets)
        self.rules.load(settings.rules, settings.quiet_hours, recent or [], settings.sound)
        self.engines.load(settings.engines, active_engines)
        self.style_combo.setCurrentIndex(max(0, self.style_combo.findData(settings.notify_style)))
        self.popups_spin.setValue(settings.max_popups_per_second)
        self.keep_popups_check.setChecked(settings.keep_popups_until_dismissed)
        self._show_expiry_choice()
        self.engine_alert_spin.setValue(settings.engine_alert_seconds)
        self.escalate_spin.setValue(settings.escalate_after_seconds)
        self._refresh()

    def edited_settings(self) -> Settings:
        """The settings as typed; raises SettingsError saying what is wrong."""
        return replace(
            self._base,
            engines=self.engines.engines(),
            notify_style=self.style_combo.currentData(),
            max_popups_per_second=self.popups_spin.value(),
            keep_popups_until_dismissed=self.keep_popups_check.isChecked(),
            engine_alert_seconds=self.engine_alert_spin.value(),
            escalate_after_seconds=self.escalate_spin.value(),
            **self.bridges.settings_values(),  # type: ignore[arg-type]
            **self.rules.values(),  # type: ignore[arg-type]
        ).validated()

    def _refresh(self) -> None:
        warnings = engine_warnings(self.engines.engines())
        self.warning_label.setText("\n".join(safe_text(warning) for warning in warnings))
        self.warning_label.setVisible(bool(warnings))
        try:
            self.edited_settings()
        except SettingsError as error:  # it may quote a name or host as typed: hidden characters made visible
            self.error_label.setText(safe_text(str(error)))
        else:
            self.error_label.setText("")
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(not self.error_label.text())
        self.adjustSize()

    def set_bridge_status(self, kind: str, text: str) -> None:
        self.bridges.set_status(kind, text)

    def _on_bridges_test_requested(self, kind: str) -> None:
        try:
            settings = self.edited_settings()
        except SettingsError as error:
            self.bridges.set_status(kind, str(error))
            return
        self.bridges.set_status(kind, "Sending…")
        self.bridge_test_requested.emit(kind, settings, self.bridges.secrets())

    def _on_buttons_accepted(self) -> None:
        try:
            settings = self.edited_settings()
        except SettingsError as error:
            self.error_label.setText(safe_text(str(error)))
            return
        self.settings_accepted.emit(settings)
        secrets = self.bridges.secrets()
        if secrets != {name: self._secrets.get(name, "") for name in secrets}:
            self._secrets = secrets
            self.secrets_accepted.emit(secrets)
        if self.start_at_login_check.isChecked() != self._start_at_login:
            self._start_at_login = self.start_at_login_check.isChecked()
            self.start_at_login_changed.emit(self._start_at_login)
        self.accept()
