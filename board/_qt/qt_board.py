"""The wall board's main window: a header, rotating pages, and a footer naming the pages.

The window is a view: a source (``board.source``) pushes ``BoardData`` and ``SourceStatus`` in
by signals; the window never touches the network. Before the first data it shows a calm
"正在连接…" page; after that it always shows the last standings, and the header says when they
were last confirmed and whether the server is reachable.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from board._qt.qt_charts import DistributionPage, WeeklyChartPage
from board._qt.qt_hardest import HardestPage
from board._qt.qt_lists import ListsPage
from board._qt.qt_style import BG, INK, MUTED, OFFLINE, PX_HEADER, font, quarter_title
from board._qt.qt_table import StandingsTableView
from board.published import published_on
from board.source import BoardData, SourceStatus

__all__ = ["PAGES", "BoardWindow", "Header", "status_line"]

log = logging.getLogger(__name__)

# (key, footer name) in rotation order.
PAGES: list[tuple[str, str]] = [
    ("lists", "红黑榜"),
    ("table", "全部排名"),
    ("hardest", "最难办事科室"),
    ("weekly", "每周满意度"),
    ("distribution", "评价分布"),
]
EXPLANATION_TIMEOUT_MS = 60_000


def status_line(status: SourceStatus, zone: tzinfo | None = None) -> str:
    """The header's connection words, e.g. ``数据更新于 14:03:25 · 与服务器的连接已中断，正在重试``."""

    def hms(t: datetime) -> str:
        return (t.astimezone(zone) if zone else t).strftime("%H:%M:%S")

    if status.updated_at is None:
        return "⚠ 尚未连接到服务器，正在重试" if status.lost_since else "正在连接服务器…"
    if status.online:
        return f"● 实时 · 数据更新于 {hms(status.updated_at)}"
    return f"⚠ 数据更新于 {hms(status.updated_at)} · 与服务器的连接已中断，正在重试"


class Header(QFrame):
    """Hall name, quarter, clock, and the updated-at / offline indicator."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("header")
        self.setStyleSheet("#header { background: #1A3A5F; }")
        self.setFixedHeight(150)
        grid = QVBoxLayout(self)
        grid.setContentsMargins(40, 12, 40, 12)
        grid.setSpacing(6)
        top, bottom = QHBoxLayout(), QHBoxLayout()
        grid.addLayout(top)
        grid.addLayout(bottom)
        self.hall_label = QLabel("服务评价红黑榜")
        self.hall_label.setFont(font(PX_HEADER + 4, bold=True))
        self.hall_label.setStyleSheet("color: white;")
        top.addWidget(self.hall_label, 1)
        self.clock_label = QLabel()
        self.clock_label.setFont(font(56, bold=True))
        self.clock_label.setStyleSheet("color: white;")
        top.addWidget(self.clock_label)
        self.quarter_label = QLabel()
        self.quarter_label.setFont(font(40))
        self.quarter_label.setStyleSheet("color: #E8EEF5;")
        bottom.addWidget(self.quarter_label, 1)
        self.status_label = QLabel("正在连接服务器…")
        self.status_label.setFont(font(40, bold=True))
        bottom.addWidget(self.status_label)
        self.zone: tzinfo | None = None
        self._set_status_style(online=True)
        self._clock = QTimer(self)
        self._clock.timeout.connect(self._tick)
        self._clock.start(1000)
        self._tick()

    def set_hall(
        self, name: str, quarter: str, tz: str | None, published: date | None = None
    ) -> None:
        self.hall_label.setText(name)
        # A closed quarter shows its published lists, and says so (they no longer move).
        when = f" · {published:%Y-%m-%d} 已发布" if published else ""
        self.quarter_label.setText(f"{quarter_title(quarter)} · 服务评价{when}")
        try:
            self.zone = ZoneInfo(tz) if tz else None
        except (ValueError, KeyError):
            self.zone = None
        self._tick()

    def set_status(self, status: SourceStatus) -> None:
        self.status_label.setText(status_line(status, self.zone))
        self._set_status_style(online=status.online)
        self.status_label.setToolTip(status.error or "")

    def _set_status_style(self, *, online: bool) -> None:
        if online:
            self.status_label.setStyleSheet("color: #E8EEF5; padding: 0 6px;")
        else:
            # Offline must be noticed from across the hall: a solid band, words and a sign.
            self.status_label.setStyleSheet(
                f"color: white; background: {OFFLINE}; border: 3px solid white;"
                " border-radius: 8px; padding: 0 14px;"
            )

    def _tick(self) -> None:
        now = datetime.now(self.zone) if self.zone else datetime.now()
        self.clock_label.setText(now.strftime("%H:%M:%S"))


class ExplanationPanel(QFrame):
    """Why a unit stands where it stands: the engine's explanation lines (desk use)."""

    closed = Signal()

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("explain")
        self.setStyleSheet(
            "#explain { background: white; border: 4px solid #1A3A5F; border-radius: 14px; }"
        )
        box = QVBoxLayout(self)
        box.setContentsMargins(36, 24, 36, 24)
        head = QHBoxLayout()
        self.title = QLabel()
        self.title.setFont(font(44, bold=True))
        self.title.setStyleSheet(f"color: {INK};")
        head.addWidget(self.title, 1)
        close = QPushButton("关闭 ✕")
        close.setFont(font(30))
        close.setMinimumSize(140, 64)
        close.clicked.connect(self.hide_panel)
        head.addWidget(close)
        box.addLayout(head)
        self.body = QLabel()
        self.body.setFont(font(30))
        self.body.setWordWrap(True)
        self.body.setTextFormat(Qt.TextFormat.PlainText)
        self.body.setStyleSheet(f"color: {INK};")
        self.body.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        box.addWidget(self.body, 1)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.hide_panel)
        self.hide()

    def show_lines(self, title: str, lines: list[str]) -> None:
        self.title.setText(title)
        self.body.setText("\n".join(f"· {line}" for line in lines) or "暂无说明")
        parent = self.parentWidget()
        if parent is not None:
            w, h = min(1400, parent.width() - 80), min(760, parent.height() - 80)
            self.setGeometry((parent.width() - w) // 2, (parent.height() - h) // 2, w, h)
        self.show()
        self.raise_()
        self._timer.start(EXPLANATION_TIMEOUT_MS)

    def hide_panel(self) -> None:
        self._timer.stop()
        if self.isVisible():
            self.hide()
            self.closed.emit()


class _ConnectingPage(QWidget):
    def __init__(self) -> None:
        super().__init__()
        box = QVBoxLayout(self)
        box.addStretch(1)
        self.label = QLabel("正在连接…")
        self.label.setFont(font(72, bold=True))
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.label.setStyleSheet(f"color: {INK};")
        box.addWidget(self.label)
        self.detail = QLabel("正在读取本季度的服务评价数据，请稍候")
        self.detail.setFont(font(40))
        self.detail.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.detail.setStyleSheet(f"color: {MUTED};")
        box.addWidget(self.detail)
        box.addStretch(1)


@dataclass(frozen=True)
class _Step:
    page: str
    part: int = 0


class BoardWindow(QMainWindow):
    """The wall screen. Feed it with ``attach(source)`` or ``set_data``/``set_status``."""

    page_shown = Signal(str)

    def __init__(self, *, rotate_s: float = 15.0) -> None:
        super().__init__()
        self.setWindowTitle("服务评价红黑榜")
        self.data: BoardData | None = None
        self.status = SourceStatus(updated_at=None)
        central = QWidget()
        central.setObjectName("central")
        central.setStyleSheet(f"#central {{ background: {BG}; }}")
        self.setCentralWidget(central)
        outer = QVBoxLayout(central)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        self.header = Header()
        outer.addWidget(self.header)
        self.stack = QStackedWidget()
        outer.addWidget(self.stack, 1)
        self.footer = QLabel()
        self.footer.setFont(font(28))
        self.footer.setTextFormat(Qt.TextFormat.RichText)
        self.footer.setContentsMargins(40, 6, 40, 10)
        outer.addWidget(self.footer)

        self.connecting = _ConnectingPage()
        self.lists = ListsPage()
        self.table = StandingsTableView()
        table_page = QWidget()
        tbox = QVBoxLayout(table_page)
        tbox.setContentsMargins(40, 20, 40, 12)
        tbox.addWidget(self.table)
        self.hardest = HardestPage()
        self.weekly = WeeklyChartPage()
        self.distribution = DistributionPage()
        self.pages: dict[str, QWidget] = {
            "connecting": self.connecting,
            "lists": self.lists,
            "table": table_page,
            "hardest": self.hardest,
            "weekly": self.weekly,
            "distribution": self.distribution,
        }
        for w in self.pages.values():
            self.stack.addWidget(w)
        self.explanation = ExplanationPanel(central)
        self.explanation.closed.connect(self._resume_rotation)
        for view in (self.lists, self.table, self.hardest):
            view.unit_selected.connect(self.explain_unit)
        self.hardest.section_selected.connect(self.explain_section)

        self._steps: list[_Step] = []
        self._step = -1
        self.current_page = "connecting"
        self._rotation = QTimer(self)
        self._rotation.setInterval(max(1, int(rotate_s * 1000)))
        self._rotation.timeout.connect(self.next_page)
        self._render_footer()
        self._source: QObject | None = None

    # Inputs -----------------------------------------------------------------------------------

    def attach(self, source: QObject) -> None:
        """Listen to a ``BoardSource``/``StaticSource`` (its signals are queued to this thread)."""
        self._source = source
        source.standings_changed.connect(self.set_data)  # type: ignore[attr-defined]
        source.status_changed.connect(self.set_status)  # type: ignore[attr-defined]

    def set_data(self, data: BoardData) -> None:
        s = data.standings
        first = self.data is None
        self.data = data
        self.header.set_hall(
            str(s.hall.get("name", "")), s.quarter, s.hall.get("tz"), published_on(data.aggregates)
        )
        self.header.set_status(self.status)
        self.lists.set_standings(s)
        self.table.set_standings(s)
        self.hardest.set_data(s, data.sections)
        self.weekly.set_standings(s)
        self.distribution.set_standings(s)
        if first:
            self.show_page("lists")
            if not self.explanation.isVisible():
                self._rotation.start()

    def set_status(self, status: SourceStatus) -> None:
        self.status = status
        self.header.set_status(status)
        if self.data is None:
            if status.online:
                self.connecting.detail.setText("正在读取本季度的服务评价数据，请稍候")
            else:
                self.connecting.detail.setText("暂时无法连接服务器，正在自动重试")

    # Pages ------------------------------------------------------------------------------------

    def show_page(self, key: str, part: int = 0) -> None:
        self.stack.setCurrentWidget(self.pages[key])
        self.current_page = key
        if key == "table":
            self.table.show_part(part)
        self._render_footer(part)
        self.page_shown.emit(key)

    def steps(self) -> list[_Step]:
        """Every screenful in rotation order (the long table takes several)."""
        out: list[_Step] = []
        for key, _ in PAGES:
            parts = self.table.part_count() if key == "table" else 1
            out.extend(_Step(key, p) for p in range(parts))
        return out

    def next_page(self, delta: int = 1) -> None:
        if self.data is None:
            return
        self._steps = self.steps()
        self._step = (self._step + delta) % len(self._steps)
        step = self._steps[self._step]
        self.show_page(step.page, step.part)

    def explain_unit(self, code: str) -> None:
        if self.data is None:
            return
        try:
            u = self.data.standings.unit(code)
        except KeyError:
            return
        self._rotation.stop()
        place = f"第 {u.rank} 名" if u.rank else "未参与排名"
        self.explanation.show_lines(f"{u.name} · {place}", list(u.explanation))

    def explain_section(self, code: str) -> None:
        """Why a section is where it is on the hardest list (``board.hardest``)."""
        if self.data is None or self.data.sections is None:
            return
        ranking = self.data.sections
        entry = next((e for e in ranking.hardest + ranking.others if e.code == code), None)
        if entry is None:
            return
        self._rotation.stop()
        place = f"最难办事第 {entry.rank} 名" if entry.rank else "未进入前列"
        # Its own lines, then the two rules a reader needs: how hardness is made, what follows.
        rules = [ranking.rules[1], ranking.rules[4]]
        title = entry.label if ranking.anonymous else f"{entry.unit_name} {entry.name}"
        self.explanation.show_lines(f"{title} · {place}", [*entry.explanation, *rules])

    def _resume_rotation(self) -> None:
        if self.data is not None:
            self._rotation.start()

    def _render_footer(self, part: int = 0) -> None:
        names = []
        for key, name in PAGES:
            if key == self.current_page:
                if key == "table" and self.table.part_count() > 1:
                    name = f"{name} {part + 1}/{self.table.part_count()}"
                names.append(f"<b><u>▶ {name}</u></b>")
            else:
                names.append(f"<span style='color:{MUTED}'>{name}</span>")
        self.footer.setText(" &nbsp;·&nbsp; ".join(names))

    # Desk use ---------------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key == Qt.Key.Key_Right:
            self.next_page()
        elif key == Qt.Key.Key_Left:
            self.next_page(-1)
        elif key == Qt.Key.Key_Escape:
            self.explanation.hide_panel()
        elif key == Qt.Key.Key_F5 and self._source is not None:
            self._source.poll_now()  # type: ignore[attr-defined]
        elif key == Qt.Key.Key_F11:
            self.showNormal() if self.isFullScreen() else self.showFullScreen()
        else:
            super().keyPressEvent(event)

    def stop(self) -> None:
        """Stop timers (before closing in tests and on exit)."""
        self._rotation.stop()
        self.header._clock.stop()

    # Screenshots ------------------------------------------------------------------------------

    def render_pages(self, out_dir: Path) -> list[Path]:
        """Write every page (and the offline header) to ``out_dir`` as PNGs; return the paths."""
        out_dir.mkdir(parents=True, exist_ok=True)
        self._rotation.stop()
        written: list[Path] = []

        def shot(name: str) -> None:
            QApplication.processEvents()
            path = out_dir / f"{len(written) + 1:02d}-{name}.png"
            if not self.grab().save(str(path)):
                raise OSError(f"could not write {path}")
            written.append(path)

        if self.data is None:
            self.show_page("connecting")
            shot("connecting")
            return written
        # Lay the table out once so it knows how many screenfuls the units take.
        self.show_page("table")
        QApplication.processEvents()
        for step in self.steps():
            self.show_page(step.page, step.part)
            suffix = f"-{step.part + 1}" if step.page == "table" and step.part else ""
            shot(step.page + suffix)
        saved = self.status
        lost = SourceStatus(
            updated_at=saved.updated_at or datetime.now().astimezone(),
            lost_since=datetime.now().astimezone(),
            error="connection refused",
        )
        self.set_status(lost)
        self.show_page("lists")
        shot("offline")
        self.set_status(saved)
        first = self.data.standings.units[0] if self.data.standings.units else None
        if first is not None:
            self.show_page("table")
            self.explain_unit(first.code)
            shot("explanation")
            self.explanation.hide_panel()
        return written
