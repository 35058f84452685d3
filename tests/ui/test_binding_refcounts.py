"""Guards against a Qt binding that leaks references: the app makes millions of Qt calls a day."""

from __future__ import annotations

import sys

from PySide6.QtCore import QModelIndex, QObject

from algomesh_tray.qt.trades.trade_model import TradeTableModel


def test_void_qt_calls_do_not_drop_references_to_none() -> None:
    """PySide6 6.12.0 decrements None per void call; on Python 3.11 that kills the app after a burst."""
    model, holder = TradeTableModel(), QObject()
    before = sys.getrefcount(None)
    for _ in range(2000):
        holder.setObjectName("x")
        model.beginResetModel()
        model.endResetModel()
        QModelIndex()
    assert sys.getrefcount(None) - before > -100
