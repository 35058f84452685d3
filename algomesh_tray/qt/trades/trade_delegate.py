"""The trades table's cells, drawn for a table a live feed repaints every second.

QStyledItemDelegate asks the Python model for seven roles per cell and lays the cell's text out
anew at each paint: 9-11 ms for a repaint of the table on the 2-core machine, once a second
while the feed streams. Most of a trade's texts repeat (strategies, symbols, actions, statuses,
the time within a second, a strategy's amount): their layouts are kept (QStaticText) and drawn as
they are, with what every cell shares (fonts, colours, margin) worked out once per look.

A selected cell goes the style's own way, so that selection and focus look as they do elsewhere.
Texts are the model's display texts (made safe, drawn as plain text), elided as the style would.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPersistentModelIndex, QPointF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette, QStaticText
from PySide6.QtWidgets import QAbstractItemView, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from ...feed.records import TradeRecord
from .trade_model import BOLD_COLUMN, RECORD_ROLE, RIGHT_ALIGNED_COLUMNS, Column, cell_colour, display_text, raw_value

__all__ = ["TradeCellDelegate"]

#: Columns whose texts are made from one field that repeats from trade to trade: their layouts
#: are kept by that field's value (no formatting at all for them); the others' by their text.
_BY_VALUE: Final = frozenset({Column.ENGINE, Column.STRATEGY, Column.SYMBOL, Column.ACTION, Column.ORDER_TYPE,
                              Column.TRADE_TYPE, Column.STATUS})  # fmt: skip
#: Kept layouts; past this many (ever-new prices, a feed of ever-new names) they are made again.
_MAX_LAYOUTS: Final = 3000
_SELECTED: Final = QStyle.StateFlag.State_Selected.value
_ENABLED: Final = QStyle.StateFlag.State_Enabled.value
#: What changes the look of every cell: then every kept layout and look is made again.
_LOOK_CHANGES: Final = frozenset({QEvent.Type.FontChange, QEvent.Type.StyleChange, QEvent.Type.PaletteChange})


@dataclass(frozen=True, slots=True)
class _Look:
    """What every cell of the view shares, worked out from its font, style and palette."""

    font: QFont
    bold: QFont
    margin: int
    height: int
    text: QColor
    disabled_text: QColor

    @classmethod
    def of(cls, view: QAbstractItemView) -> _Look:
        font = view.font()
        bold = QFont(font)
        bold.setBold(True)
        palette = view.palette()
        margin = view.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, view) + 1
        return cls(font, bold, margin, QFontMetrics(font).height(),
                   palette.color(QPalette.ColorGroup.Active, QPalette.ColorRole.Text),
                   palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text))  # fmt: skip


class TradeCellDelegate(QStyledItemDelegate):
    """Draws an unselected cell's display text from kept layouts; ``view`` is the table it draws."""

    def __init__(self, view: QAbstractItemView) -> None:
        super().__init__(view)
        self._view = view
        self._look: _Look | None = None
        self._layouts: dict[tuple[int, object, int], QStaticText] = {}
        view.installEventFilter(self)

    @property
    def layouts_kept(self) -> int:
        return len(self._layouts)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _LOOK_CHANGES:
            self._look = None
            self._layouts.clear()
        return False

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:  # fmt: skip
        state = option.state.value
        record = index.data(RECORD_ROLE)
        if state & _SELECTED or not isinstance(record, TradeRecord):
            super().paint(painter, option, index)
            return
        look = self._look or self._new_look()
        column = index.column()
        rect = option.rect
        width = rect.width() - 2 * look.margin
        font = look.bold if column == BOLD_COLUMN else look.font
        layout = self._layout(column, record, width, font)
        colour = cell_colour(record, column)
        if colour is not None:
            painter.setPen(colour.color())
        else:
            painter.setPen(look.text if state & _ENABLED else look.disabled_text)
        painter.setFont(font)
        x: float = rect.x() + look.margin
        if column in RIGHT_ALIGNED_COLUMNS:
            x += width - layout.size().width()
        painter.drawStaticText(QPointF(x, rect.y() + (rect.height() - look.height) // 2), layout)

    def _new_look(self) -> _Look:
        self._look = _Look.of(self._view)
        return self._look

    def _layout(self, column: int, record: TradeRecord, width: int, font: QFont) -> QStaticText:
        text = None
        value = raw_value(record, column) if column in _BY_VALUE else (text := display_text(record, column))
        key = (column, value, width)
        layout = self._layouts.get(key)
        if layout is None:
            if len(self._layouts) >= _MAX_LAYOUTS:
                self._layouts.clear()
            if text is None:
                text = display_text(record, column)
            layout = QStaticText(QFontMetrics(font).elidedText(text, Qt.TextElideMode.ElideRight, width))
            layout.setTextFormat(Qt.TextFormat.PlainText)  # feed text: never markup
            layout.prepare(font=font)
            self._layouts[key] = layout
        return layout
