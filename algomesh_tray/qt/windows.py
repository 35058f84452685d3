"""The app's windows, built on first use: the trades window, the settings dialog, the About box.

Most sessions never open them; not building them keeps start-up quick and idle memory low. The
owner remembers what they must show when they open (the connection, the feed's counts, the last
message) and forwards their requests as its own signals, so the app connects them once, up front.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from ..settings import Settings
from .actions import AppActions
from .icons import app_icon

if TYPE_CHECKING:
    from PySide6.QtWidgets import QMessageBox

    from ..feed.records import RejectedRecord, TradeRecord
    from .settings.settings_dialog import SettingsDialog
    from .trades.trade_model import TradeTableModel
    from .trades.trades_window import TradesWindow

__all__ = ["Windows"]

#: How long a status-bar message stays.
STATUS_MESSAGE_MS = 60_000


class Windows(QObject):
    """Lazily built windows; their signals are re-emitted here whether or not they exist yet."""

    close_requested = Signal()  # the trades window closed while there is no tray: quit
    settings_accepted = Signal(object)  # Settings
    start_at_login_changed = Signal(bool)
    secrets_accepted = Signal(dict)
    bridge_test_requested = Signal(str, object, dict)  # kind, typed Settings, secrets
    sound_test_requested = Signal(str)  # Settings' "Test sound", with the sound picked

    def __init__(
        self,
        model: Callable[[], TradeTableModel],
        actions: AppActions,
        *,
        hide_on_close: bool,
        parent: QObject | None = None,
    ) -> None:
        """``model``: the trades table, asked for when the trades window is first built."""
        super().__init__(parent)
        self._model = model
        self._actions = actions
        self._hide_on_close = hide_on_close
        self._engines: list[str] = []
        self._trades: TradesWindow | None = None
        self._dialog: SettingsDialog | None = None
        self._about: QMessageBox | None = None
        self._welcome: QMessageBox | None = None
        self._connection_text = ""
        self._feed_text = ""
        self._last_rejection = ""
        self._status_message = ""

    @property
    def trades(self) -> TradesWindow | None:
        """The trades window if it was ever opened."""
        return self._trades

    @property
    def dialog(self) -> SettingsDialog | None:
        """The settings dialog if it was ever opened."""
        return self._dialog

    def set_hide_on_close(self, hide: bool) -> None:
        """Whether closing the trades window hides it (the tray keeps the app) or quits."""
        self._hide_on_close = hide
        if self._trades is not None:
            self._trades.hide_on_close = hide

    def trades_window(self) -> TradesWindow:
        if self._trades is None:
            from .trades.trades_window import TradesWindow

            actions = self._actions
            window = TradesWindow(self._model(), [actions.settings, actions.pause, actions.reconnect], app_icon())
            window.hide_on_close = self._hide_on_close
            window.close_requested.connect(self.close_requested)
            window.set_connection_text(self._connection_text)
            window.set_feed_text(self._feed_text, self._last_rejection)
            if self._status_message:
                window.statusBar().showMessage(self._status_message, STATUS_MESSAGE_MS)
            window.dashboard.set_engines(self._engines)
            self._trades = window
        return self._trades

    def set_engines(self, names: Sequence[str]) -> None:
        """The engines configured: the dashboard offers each (its picker shows once there are two)."""
        self._engines = list(names)
        if self._trades is not None:
            self._trades.dashboard.set_engines(self._engines)

    def show_trade(self, record: TradeRecord | None = None) -> None:
        """Bring up the trades window, with ``record`` selected when given."""
        self.trades_window().show_record(record)

    def show_recent_trades(self) -> None:
        """Bring up the trades window on the newest trades, nothing selected."""
        self.trades_window().show_recent()

    def settings_dialog(self) -> SettingsDialog:
        """The dialog, built on first use; the caller loads it before showing it."""
        if self._dialog is None:
            from .settings.settings_dialog import SettingsDialog

            dialog = SettingsDialog(Settings(), app_icon())
            dialog.settings_accepted.connect(self.settings_accepted)
            dialog.start_at_login_changed.connect(self.start_at_login_changed)
            dialog.secrets_accepted.connect(self.secrets_accepted)
            dialog.bridge_test_requested.connect(self.bridge_test_requested)
            dialog.sound_test_requested.connect(self.sound_test_requested)
            self._dialog = dialog
        return self._dialog

    @property
    def about_box(self) -> QMessageBox | None:
        """The About box if it was ever shown."""
        return self._about

    def set_bridge_status(self, kind: str, text: str) -> None:
        if self._dialog is not None:
            self._dialog.set_bridge_status(kind, text)

    def show_about(self, text: str) -> None:
        """The About box; kept, not rebuilt: a parentless box with no Python reference would vanish."""
        if self._about is None:
            self._about = _plain_box("About AlgoMesh Tray")
        self._about.setText(text)
        self._about.show()
        self._about.raise_()

    @property
    def welcome_box(self) -> QMessageBox | None:
        """The first run's welcome if it was shown."""
        return self._welcome

    def show_welcome(self, text: str) -> None:
        """The first run's message (not modal: the app goes on connecting behind it)."""
        from ..platform.first_run import WELCOME_TITLE

        if self._welcome is None:
            self._welcome = _plain_box(WELCOME_TITLE)
        self._welcome.setText(text)
        self._welcome.show()
        self._welcome.raise_()
        self._welcome.activateWindow()

    def add_rejected(self, records: list[RejectedRecord]) -> None:
        """Rejected signals reach the dashboard while the window exists (it loads totals when built)."""
        if self._trades is not None:
            self._trades.dashboard.model.add_records(records)

    def set_connection_text(self, text: str) -> None:
        self._connection_text = text
        if self._trades is not None:
            self._trades.set_connection_text(text)

    def set_feed_text(self, text: str, last_rejection: str = "") -> None:
        self._feed_text, self._last_rejection = text, last_rejection
        if self._trades is not None:
            self._trades.set_feed_text(text, last_rejection)

    def show_status_message(self, message: str, *, only_if_open: bool = False) -> None:
        """A message in the status bar; kept for the window's first opening unless ``only_if_open``."""
        if not only_if_open:
            self._status_message = message
        if self._trades is not None:
            self._trades.statusBar().showMessage(message, STATUS_MESSAGE_MS)

    def hide_all(self) -> None:
        for widget in (self._trades, self._dialog, self._about, self._welcome):
            if widget is not None:
                widget.hide()


def _plain_box(title: str) -> QMessageBox:
    """A message box with the app's icon, showing its text as plain text."""
    from PySide6.QtCore import Qt  # here, not at the top: the idle app never builds PySide's Qt namespace (1.9 MB)
    from PySide6.QtWidgets import QMessageBox

    box = QMessageBox(QMessageBox.Icon.NoIcon, title, "")
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setIconPixmap(app_icon().pixmap(64, 64))
    return box
