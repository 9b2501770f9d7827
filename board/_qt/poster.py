"""The quarter's red/black list poster: an A3 portrait PDF to print and a PNG to share.

``write_poster(standings, pdf_path, png_path)`` draws the same page twice with QPainter: once on a
``QPdfWriter`` (vector text, 300 dpi) and once on a ``QImage`` (150 dpi). Chinese uses the shipped
font, so the poster renders on a machine with no CJK fonts. ``hall-admin poster`` calls
``main_poster(args)``; ``board.admin.poster`` declares its options.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from PySide6.QtCore import QMarginsF, QRectF, QSizeF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QGuiApplication,
    QImage,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QPen,
)

from assets._qt import cjk_family
from board._qt.qt_style import quarter_title
from board.standings import BoardEntry, Standings
from sync.defaults import APP_NAME

__all__ = ["draw_poster", "main_poster", "write_poster"]

log = logging.getLogger(__name__)

# The page is drawn in tenths of a millimetre on A3 portrait (297 × 420 mm).
PAGE_W, PAGE_H = 2970, 4200
PNG_DPI = 150
PDF_DPI = 300
RED = QColor("#B3261E")
INK = QColor("#1B1B1B")
MUTED = QColor("#4A4A4A")
DARK = QColor("#202124")


def _font(size: float, *, bold: bool = False) -> QFont:
    f = QFont(cjk_family())
    f.setPixelSize(max(1, round(size)))
    f.setBold(bold)
    return f


def _band(p: QPainter, y: float, text: str, colour: QColor) -> float:
    """A full-width coloured heading band with white words; returns the y below it."""
    rect = QRectF(150, y, PAGE_W - 300, 190)
    p.fillRect(rect, colour)
    p.setPen(QColor("white"))
    p.setFont(_font(130, bold=True))
    p.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
    return y + 190


def _entry(p: QPainter, y: float, place: int, e: BoardEntry, colour: QColor) -> float:
    """One unit line: a numbered disc, the name, score and rating count; returns next y."""
    h = 230
    p.setPen(QPen(colour, 6))
    p.setBrush(QColor("white"))
    p.drawRect(QRectF(150, y, PAGE_W - 300, h))
    p.setBrush(colour)
    p.setPen(Qt.PenStyle.NoPen)
    p.drawEllipse(QRectF(200, y + 35, 160, 160))
    p.setPen(QColor("white"))
    p.setFont(_font(100, bold=True))
    p.drawText(QRectF(200, y + 35, 160, 160), Qt.AlignmentFlag.AlignCenter, str(place))
    name_rect = QRectF(420, y + 20, PAGE_W - 300 - 420 - 40, 120)
    size = 110.0
    while size > 70 and QFontMetricsF(_font(size, bold=True)).horizontalAdvance(e.label) > (
        name_rect.width()
    ):
        size -= 5
    p.setPen(INK)
    p.setFont(_font(size, bold=True))
    p.drawText(name_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, e.label)
    p.setPen(MUTED)
    p.setFont(_font(70))
    p.drawText(
        QRectF(420, y + 140, name_rect.width(), 80),
        Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
        f"季度得分 {e.score:.1f} 分 · {e.n} 条有效评价",
    )
    return y + h + 30


def draw_poster(p: QPainter, standings: Standings, today: date | None = None) -> None:
    """Draw the poster on ``p`` whose window is set to PAGE_W × PAGE_H.

    One page drawn from top to bottom: its length follows the page's own order (title, red
    list, black list, rules, footer), each block using the y the one above left.
    """
    today = today or _hall_today(standings.hall.get("tz"))
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    p.fillRect(QRectF(0, 0, PAGE_W, PAGE_H), QColor("white"))
    s = standings.settings
    center = Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter

    p.setPen(INK)
    p.setFont(_font(100, bold=True))
    p.drawText(QRectF(100, 150, PAGE_W - 200, 140), center, str(standings.hall.get("name", "")))
    p.setPen(RED)
    p.setFont(_font(190, bold=True))
    p.drawText(QRectF(100, 300, PAGE_W - 200, 240), center, quarter_title(standings.quarter))
    p.setFont(_font(150, bold=True))
    p.drawText(QRectF(100, 540, PAGE_W - 200, 200), center, "服务评价红黑榜")

    y = 820.0
    y = _band(p, y, f"★ 红榜（前 {s.red_count} 名）", RED) + 40
    if standings.red_list:
        for i, e in enumerate(standings.red_list, start=1):
            y = _entry(p, y, i, e, RED)
    else:
        p.setPen(INK)
        p.setFont(_font(90, bold=True))
        p.drawText(QRectF(150, y, PAGE_W - 300, 200), center, "本季度暂无单位列入红榜")
        y += 230

    y += 40
    naming = "匿名通报：只公布窗口类别" if s.naming == "anonymous" else "实名通报"
    y = _band(p, y, f"▼ 黑榜（{naming}）", DARK) + 40
    if standings.black_list:
        for i, e in enumerate(standings.black_list, start=1):
            y = _entry(p, y, i, e, DARK)
            if e.reason:
                p.setPen(INK)
                p.setFont(_font(60))
                r = QRectF(200, y - 10, PAGE_W - 400, 180)
                p.drawText(r, Qt.TextFlag.TextWordWrap | Qt.AlignmentFlag.AlignLeft, e.reason)
                y += 170
    else:
        p.setPen(INK)
        p.setFont(_font(100, bold=True))
        p.drawText(QRectF(150, y, PAGE_W - 300, 160), center, "本季度无单位列入黑榜")
        y += 170
        if standings.black_list_empty_reason:
            p.setPen(MUTED)
            p.setFont(_font(60))
            r = QRectF(200, y, PAGE_W - 400, 180)
            flags = Qt.TextFlag.TextWordWrap | Qt.AlignmentFlag.AlignHCenter
            p.drawText(r, flags, standings.black_list_empty_reason)
            y += 180

    # The rules in one paragraph: whoever reads the poster can check how units were placed.
    y += 60
    p.setPen(INK)
    p.setFont(_font(72, bold=True))
    p.drawText(QRectF(150, y, PAGE_W - 300, 100), Qt.AlignmentFlag.AlignLeft, "评选规则")
    y += 110
    rules = "".join(r if r.endswith(("。", "；")) else r + "。" for r in standings.rules)
    p.setFont(_font(52))
    p.setPen(MUTED)
    footer_top = PAGE_H - 230
    rules_rect = QRectF(150, y, PAGE_W - 300, footer_top - y - 40)
    size = 52.0
    flags = Qt.TextFlag.TextWordWrap | Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop
    while size > 32:
        need = QFontMetricsF(_font(size)).boundingRect(rules_rect, int(flags), rules)
        if need.height() <= rules_rect.height():
            break
        size -= 2
    p.setFont(_font(size))
    p.drawText(rules_rect, int(flags), rules)

    p.setPen(QPen(MUTED, 4))
    p.drawLine(150, footer_top, PAGE_W - 150, footer_top)
    p.setFont(_font(52))
    p.drawText(
        QRectF(150, footer_top + 30, PAGE_W - 300, 90),
        Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
        f"生成日期：{today.year}年{today.month}月{today.day}日",
    )
    p.drawText(
        QRectF(150, footer_top + 30, PAGE_W - 300, 90),
        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
        f"数据截至 {_short_time(standings.generated_at, standings.hall.get('tz'))} · 欢迎扫码或在窗口评价",
    )


def _hall_today(tz: object) -> date:
    try:
        return datetime.now(ZoneInfo(tz)).date() if isinstance(tz, str) else date.today()
    except (ZoneInfoNotFoundError, ValueError):
        return date.today()


def _short_time(iso: str, tz: object = None) -> str:
    """The time in the hall's own zone: a poster on the wall speaks local time."""
    try:
        t = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    if isinstance(tz, str) and t.tzinfo is not None:
        try:
            t = t.astimezone(ZoneInfo(tz))
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return f"{t.year}年{t.month}月{t.day}日 {t:%H:%M}"


def write_poster(
    standings: Standings, pdf_path: Path | None, png_path: Path | None, today: date | None = None
) -> list[Path]:
    """Write the A3 poster as PDF and/or PNG; returns the files written (needs a QGuiApplication)."""
    written: list[Path] = []
    if pdf_path is not None:
        pdf_path.parent.mkdir(parents=True, exist_ok=True)
        writer = QPdfWriter(str(pdf_path))
        writer.setResolution(PDF_DPI)
        writer.setPageLayout(
            QPageLayout(
                QPageSize(QPageSize.PageSizeId.A3),
                QPageLayout.Orientation.Portrait,
                QMarginsF(0, 0, 0, 0),
            )
        )
        writer.setTitle(f"{standings.hall.get('name', '')} {standings.quarter} 服务评价红黑榜")
        writer.setCreator(APP_NAME)
        p = QPainter(writer)
        try:
            p.setWindow(0, 0, PAGE_W, PAGE_H)
            p.setViewport(0, 0, writer.width(), writer.height())
            draw_poster(p, standings, today)
        finally:
            p.end()
        written.append(pdf_path)
    if png_path is not None:
        png_path.parent.mkdir(parents=True, exist_ok=True)
        size = QSizeF(297 / 25.4 * PNG_DPI, 420 / 25.4 * PNG_DPI).toSize()
        image = QImage(size, QImage.Format.Format_RGB32)
        image.setDotsPerMeterX(round(PNG_DPI / 0.0254))
        image.setDotsPerMeterY(round(PNG_DPI / 0.0254))
        p = QPainter(image)
        try:
            p.setWindow(0, 0, PAGE_W, PAGE_H)
            p.setViewport(0, 0, image.width(), image.height())
            draw_poster(p, standings, today)
        finally:
            p.end()
        if not image.save(str(png_path)):
            raise OSError(f"could not write {png_path}")
        written.append(png_path)
    return written


def main_poster(args: argparse.Namespace) -> int:
    """``hall-admin poster --quarter 2026Q3 [--out DIR] [--demo-data]``: write PDF and PNG."""
    from board.published import standings_of
    from board.standings import compute_standings

    if args.demo_data:
        from board.sample import sample_aggregates, sample_history

        standings = compute_standings(
            sample_aggregates(args.quarter), history=sample_history(args.quarter)
        )
    else:
        if not (args.server and args.token and args.hall):
            log.error("poster needs --server, --token and --hall (or --demo-data)")
            return 2
        from board.source import AggregatesPoller

        poller = AggregatesPoller(args.server, args.token, args.hall, args.quarter)
        try:
            result = poller.poll()
        finally:
            poller.close()
        if result.aggregates is None:
            log.error("could not read the quarter from %s: %s", args.server, result.error)
            return 1
        # A closed quarter prints what was published; an open one is ranked with its streaks.
        standings = standings_of(result.aggregates, history=result.history)
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = QGuiApplication.instance() or QGuiApplication([])  # noqa: F841 — fonts need it
    stem = f"poster-{standings.hall.get('code', 'hall')}-{standings.quarter}"
    out: Path = args.out
    paths = write_poster(standings, out / f"{stem}.pdf", out / f"{stem}.png")
    for path in paths:
        sys.stdout.write(f"wrote {path}\n")  # the admin's command line wants the paths
    return 0
