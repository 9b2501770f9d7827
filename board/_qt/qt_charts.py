"""Charts for the wall: weekly satisfaction per unit, and the hall's level distribution.

pyqtgraph draws them. Lines differ by colour *and* by style and marker (best units solid,
lowest units dashed, the hall dotted), and the legend is a column of large Qt labels beside the
chart so it can be read from five metres. Bars carry their level word and their count.
"""

from __future__ import annotations

from datetime import date

import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from board._qt.qt_style import INK, LEVEL_COLOURS, LEVEL_WORDS, MUTED, font
from board.standings import Standings
from board.weekly import hall_weekly, weekly_series

__all__ = ["DistributionPage", "WeeklyChartPage"]

_BEST_COLOURS = ["#1B5E20", "#0D47A1", "#4A148C"]
_WORST_COLOURS = ["#B71C1C", "#E65100", "#6D4C41"]
_SYMBOLS = ["o", "s", "t", "d", "star", "h"]
_HALL_COLOUR = "#424242"


def _axis(plot: pg.PlotItem, side: str, px: int) -> None:
    ax = plot.getAxis(side)
    ax.setTickFont(font(px))
    ax.setTextPen(pg.mkPen(INK))
    ax.setPen(pg.mkPen(MUTED, width=2))
    if side == "bottom":
        ax.setHeight(px + 30)
    else:
        ax.setWidth(px * 3 + 10)


def _legend_row(text: str, pen: QPen, symbol_colour: str, symbol: str) -> QWidget:
    """A legend line: a drawn sample of the line and its marker, then the name in big text."""
    sample = QPixmap(90, 40)
    sample.fill(Qt.GlobalColor.transparent)
    p = QPainter(sample)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(pen)
    p.drawLine(4, 20, 86, 20)
    p.setBrush(QColor(symbol_colour))
    p.setPen(QPen(QColor(symbol_colour), 1))
    if symbol == "s":
        p.drawRect(37, 12, 16, 16)
    elif symbol == "t":
        p.drawPolygon([_pt(45, 10), _pt(36, 29), _pt(54, 29)])
    elif symbol != "none":
        p.drawEllipse(36, 11, 18, 18)
    p.end()
    w = QWidget()
    row = QHBoxLayout(w)
    row.setContentsMargins(0, 0, 0, 0)
    icon = QLabel()
    icon.setPixmap(sample)
    row.addWidget(icon)
    label = QLabel(text)
    label.setFont(font(30))
    label.setStyleSheet(f"color: {INK};")
    label.setWordWrap(True)
    row.addWidget(label, 1)
    return w


def _pt(x: int, y: int) -> QPointF:
    return QPointF(x, y)


def _week_label(iso: str) -> str:
    d = date.fromisoformat(iso)
    return f"{d.month}/{d.day}"


class WeeklyChartPage(QWidget):
    """每周满意度: weekly mean points of the best and lowest ranked units, and the hall."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(40, 16, 40, 12)
        title = QLabel("每周满意度 · 排名前三与后三的单位")
        title.setFont(font(52, bold=True))
        title.setStyleSheet(f"color: {INK};")
        outer.addWidget(title)
        sub = QLabel("每周评价平均分（非常满意 100 分 … 非常不满意 20 分），横轴为每周周一")
        sub.setFont(font(30))
        sub.setStyleSheet(f"color: {MUTED};")
        outer.addWidget(sub)
        row = QHBoxLayout()
        outer.addLayout(row, 1)
        self.plot_widget = pg.PlotWidget(background="w")
        self.plot = self.plot_widget.getPlotItem()
        self.plot.showGrid(x=False, y=True, alpha=0.25)
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        _axis(self.plot, "left", 26)
        _axis(self.plot, "bottom", 26)
        row.addWidget(self.plot_widget, 3)
        self.legend = QFrame()
        self._legend_box = QVBoxLayout(self.legend)
        self._legend_box.setSpacing(14)
        row.addWidget(self.legend, 1)
        self.series_names: list[str] = []

    def set_standings(self, standings: Standings) -> None:
        self.plot.clear()
        while self._legend_box.count():
            item = self._legend_box.takeAt(0)
            w = item.widget() if item is not None else None
            if w is not None:
                w.setParent(None)
                w.deleteLater()
        weeks = sorted(hall_weekly(standings))
        index = {w: i for i, w in enumerate(weeks)}
        anonymous = standings.settings.naming == "anonymous"
        low = 100.0
        self.series_names = []
        best_i = worst_i = 0
        for u, is_best in weekly_series(standings):
            if is_best:
                colour, style, sym = _BEST_COLOURS[best_i], Qt.PenStyle.SolidLine, _SYMBOLS[best_i]
                best_i += 1
            else:
                colour, style = _WORST_COLOURS[worst_i], Qt.PenStyle.DashLine
                sym = _SYMBOLS[3 + worst_i]
                worst_i += 1
            pts = [(index[w], m) for w, m, n in u.weekly if n and w in index]
            if not pts:
                continue
            low = min(low, *(m for _, m in pts))
            pen = pg.mkPen(colour, width=5, style=style)
            self.plot.plot(
                [x for x, _ in pts],
                [y for _, y in pts],
                pen=pen,
                symbol=sym,
                symbolSize=16,
                symbolBrush=colour,
                symbolPen=colour,
            )
            name = f"{u.category_name}（匿名）" if anonymous and u.status == "black" else u.name
            self.series_names.append(name)
            place = f"第{u.rank}名" if u.rank else ""
            self._legend_box.addWidget(
                _legend_row(f"{place} {name}", pen, colour, sym if sym in "ost" else "o")
            )
        hall = hall_weekly(standings)
        if hall:
            pen = pg.mkPen(_HALL_COLOUR, width=6, style=Qt.PenStyle.DotLine)
            self.plot.plot([index[w] for w in hall], list(hall.values()), pen=pen)
            low = min(low, *hall.values())
            self._legend_box.addWidget(_legend_row("全厅平均", pen, _HALL_COLOUR, "none"))
        self._legend_box.addStretch(1)
        ticks = [(i, _week_label(w)) for i, w in enumerate(weeks)]
        self.plot.getAxis("bottom").setTicks([ticks])
        self.plot.setYRange(max(0.0, low - 5), 101, padding=0)
        self.plot.setXRange(-0.3, max(0, len(weeks) - 1) + 0.3, padding=0)


class DistributionPage(QWidget):
    """评价分布: how many ratings the hall received at each level this quarter."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(40, 16, 40, 12)
        title = QLabel("全厅评价分布")
        title.setFont(font(52, bold=True))
        title.setStyleSheet(f"color: {INK};")
        outer.addWidget(title)
        self.subtitle = QLabel()
        self.subtitle.setFont(font(30))
        self.subtitle.setStyleSheet(f"color: {MUTED};")
        outer.addWidget(self.subtitle)
        self.plot_widget = pg.PlotWidget(background="w")
        self.plot = self.plot_widget.getPlotItem()
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        # The bars carry their counts in words; a left axis would only add small print.
        self.plot.hideAxis("left")
        _axis(self.plot, "bottom", 34)
        outer.addWidget(self.plot_widget, 1)
        self.bar_texts: list[str] = []

    def set_standings(self, standings: Standings) -> None:
        self.plot.clear()
        dist = standings.level_distribution
        total = sum(dist.values())
        levels = [5, 4, 3, 2, 1]
        values = [dist.get(lv, 0) for lv in levels]
        negative = dist.get(1, 0) + dist.get(2, 0)
        share = f"{negative / total * 100:.2f}%" if total else "—"
        self.subtitle.setText(
            f"本季度共 {total} 条有效评价（不含被标记的异常评价） · 差评 {negative} 条，占 {share}"
        )
        bars = pg.BarGraphItem(
            x=list(range(5)),
            height=values,
            width=0.62,
            brushes=[LEVEL_COLOURS[lv] for lv in levels],
            pens=[pg.mkPen(INK, width=1) for _ in levels],
        )
        self.plot.addItem(bars)
        top = max(values) if any(values) else 1
        self.bar_texts = []
        for i, (lv, v) in enumerate(zip(levels, values, strict=True)):
            pct = f"{v / total * 100:.1f}%" if total else "0%"
            text = f"{v} 条\n{pct}"
            self.bar_texts.append(f"{LEVEL_WORDS[lv]} {text}")
            item = pg.TextItem(text, color=INK, anchor=(0.5, 1.0))
            item.setFont(font(34, bold=True))
            item.setPos(i, v + top * 0.02)
            self.plot.addItem(item)
        self.plot.getAxis("bottom").setTicks(
            [[(i, LEVEL_WORDS[lv]) for i, lv in enumerate(levels)]]
        )
        self.plot.setYRange(0, top * 1.25, padding=0)
        self.plot.setXRange(-0.6, 4.6, padding=0)
