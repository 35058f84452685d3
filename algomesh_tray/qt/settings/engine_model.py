"""The Settings window's list of engines as a Qt model: name, address and an on/off switch a row.

The model holds the engines as typed, usable or not, so the dialog can say what is wrong with
them; feed/engines.py decides what is. Names and addresses are shown with control and
direction-changing characters made visible: a name is the user's text, never markup.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import replace
from typing import Any, Final

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from ...feed.engines import Engine, EngineError, clash
from ...util.formatting import safe_text

__all__ = ["ADDRESS", "COLUMNS", "NAME", "ON", "EngineListModel", "free_name", "free_port"]

NAME, ADDRESS, ON = range(3)
COLUMNS: Final = ("Name", "Address", "On")
#: The colour of a row the dialog refuses, as its error label's.
_REFUSED: Final = QColor("#b91c1c")
_Index = QModelIndex | QPersistentModelIndex


def free_name(engines: Sequence[Engine]) -> str:
    """The name "Engine N" for the first N from the list's length plus one that no engine is called."""
    taken = {engine.name.casefold() for engine in engines}
    number = len(engines) + 1
    while f"engine {number}" in taken:
        number += 1
    return f"Engine {number}"


def free_port(engines: Sequence[Engine]) -> int:
    """The port after the highest one in use that no engine has (wrapping round to 1024)."""
    taken = {engine.port for engine in engines}
    start = max(taken, default=51999) + 1
    for port in itertools.chain(range(start, 65536), range(1024, start)):
        if port not in taken:
            return port
    raise EngineError("Every port is in use.")  # 64,512 engines: not a tray's life


class EngineListModel(QAbstractTableModel):
    """The engines as typed in the Settings window; the first one stays: there is always one."""

    def __init__(self, engines: Sequence[Engine] = (Engine(),), parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._engines = list(engines)

    def engines(self) -> tuple[Engine, ...]:
        return tuple(self._engines)

    def engine(self, row: int) -> Engine:
        return self._engines[row]

    def set_engines(self, engines: Sequence[Engine]) -> None:
        self.beginResetModel()
        self._engines = list(engines)
        self.endResetModel()

    def set_engine(self, row: int, engine: Engine) -> None:
        """Row ``row`` becomes ``engine`` (an edit in the form)."""
        if engine == self._engines[row]:
            return
        self._engines[row] = engine
        # Other rows' colour may change too: a clash with this one appears or goes.
        self.dataChanged.emit(self.index(0, 0), self.index(len(self._engines) - 1, len(COLUMNS) - 1))

    def add_engine(self) -> int:
        """Append an engine on this computer with a name and a port no other has; return its row."""
        engine = Engine(name=free_name(self._engines), port=free_port(self._engines))
        row = len(self._engines)
        self.beginInsertRows(QModelIndex(), row, row)
        self._engines.append(engine)
        self.endInsertRows()
        return row

    def can_remove(self) -> bool:
        return len(self._engines) > 1

    def remove_engine(self, row: int) -> None:
        """Remove row ``row``; the last engine is never removed (the tray would watch nothing)."""
        if not self.can_remove() or not 0 <= row < len(self._engines):
            return
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._engines[row]
        self.endRemoveRows()
        if self._engines:  # a clash that row made may be gone
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._engines) - 1, len(COLUMNS) - 1))

    def problem(self, row: int) -> str | None:
        """Why row ``row`` cannot be saved (feed/engines.py's words), or None."""
        engine = self._engines[row]
        try:
            engine.validated()
        except EngineError as error:
            return str(error)
        return clash(engine, self._engines[:row])

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self._engines)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._engines):
            return None
        engine, column = self._engines[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return {NAME: safe_text(engine.name), ADDRESS: safe_text(engine.url)}.get(column)
        if role == Qt.ItemDataRole.EditRole:
            return {NAME: engine.name, ADDRESS: engine.url, ON: engine.enabled}.get(column)
        if role == Qt.ItemDataRole.CheckStateRole and column == ON:
            return Qt.CheckState.Checked if engine.enabled else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.ForegroundRole and self.problem(index.row()) is not None:
            return QBrush(_REFUSED)
        return None

    def setData(self, index: _Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        """The on/off switch is the one cell edited in the list (the form edits the rest)."""
        if not index.isValid() or index.column() != ON or role != Qt.ItemDataRole.CheckStateRole:
            return False
        enabled = value in (Qt.CheckState.Checked, Qt.CheckState.Checked.value)
        row = index.row()
        if self._engines[row].enabled != enabled:
            self._engines[row] = replace(self._engines[row], enabled=enabled)
            self.dataChanged.emit(index, index, [Qt.ItemDataRole.CheckStateRole, Qt.ItemDataRole.EditRole])
        return True

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() == ON:
            flags |= Qt.ItemFlag.ItemIsUserCheckable
        return flags

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        horizontal = orientation == Qt.Orientation.Horizontal
        if horizontal and role == Qt.ItemDataRole.DisplayRole and 0 <= section < len(COLUMNS):
            return COLUMNS[section]
        return None
