"""Today: what waits for the office, each line opening the thing it names.

Gathered on the worker in one job (several requests), then shown as a list grouped by kind;
Enter or a double-click on a line opens its page with the item selected.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QVBoxLayout

from board._qt.console.qt_common import ConsoleContext, Page, heading, local_time
from board._qt.console.qt_terminals import anomaly_kind
from board._qt.console.qt_worker import Client
from board._qt.console.texts import Tr
from sync.client import Anomaly, TerminalInfo
from sync.workdays import CalendarError, WorkCalendar

__all__ = ["TodayItem", "TodayPage", "gather_today"]

SILENT_AFTER = timedelta(hours=24)  # only when the working-day calendar cannot tell


@dataclass(frozen=True)
class TodayItem:
    """One line of the Today page: its section, its words, and what it opens."""

    section: str  # text key of the section heading
    text: str
    page: str  # the page that shows it
    item: Any = None  # what that page should select
    urgent: bool = False


def _silent_text(ctx: ConsoleContext, t: TerminalInfo) -> str | None:
    if t.revoked_at is not None:
        return None
    if t.last_seen_at is None:
        return ctx.t("today_never", terminal=t.id, window=t.window)
    if silent_a_working_day(ctx, t.last_seen_at):
        return ctx.t(
            "today_silent", terminal=t.id, window=t.window, since=local_time(ctx, t.last_seen_at)
        )
    return None


def silent_a_working_day(ctx: ConsoleContext, last_seen: datetime) -> bool:
    """A whole working day of the hall (China's calendar less its closed days) has passed
    since the day of the last contact."""
    last = last_seen.astimezone(ctx.zone).date()
    yesterday = ctx.now().date() - timedelta(days=1)
    r = ctx.roster
    cal = WorkCalendar.of(r.closures, r.holidays, r.workdays) if r is not None else WorkCalendar()
    try:
        return cal.working_days_after(last, yesterday) >= 1
    except CalendarError:  # a year the calendar does not know: say so by the plain clock
        return ctx.now() - last_seen > SILENT_AFTER


def gather_today(client: Client, hall: str, quarter: str, *, role: str) -> dict[str, Any]:
    """Everything the Today page needs for this role (worker thread)."""
    out: dict[str, Any] = {}
    office = role in ("admin", "office")
    if office or role == "unit":  # the server gives a unit's operator its own unit's only
        out["cases"] = client.cases(hall, status="open")
        out["appeals"] = client.appeals(hall, status="pending")
    if office:
        out["flagged"] = client.flagged(hall, quarter=quarter, state="pending")
        out["terminals"] = client.list_terminals(hall)
        out["anomalies"] = [a for a in client.anomalies() if a.hall == hall]
    return out


def today_items(ctx: ConsoleContext, data: dict[str, Any]) -> list[TodayItem]:
    tr: Tr = ctx.t
    items: list[TodayItem] = []
    today = ctx.now().date().isoformat()
    for c in data.get("cases", []):
        due = c.get("next_due")
        if not due or c.get("status") == "closed":
            continue
        unit = ctx.unit_name(c["unit"])
        step = tr(f"next_{c['next_step']}") if c.get("next_step") else ""
        if c.get("overdue"):
            text = tr("today_case_overdue", id=c["id"], unit=unit, step=step, due=due)
            items.append(TodayItem("section_cases_overdue", text, "cases", c["id"], urgent=True))
        elif due <= today:
            text = tr("today_case_due", id=c["id"], unit=unit, step=step)
            items.append(TodayItem("section_cases_due", text, "cases", c["id"]))
    for a in data.get("appeals", []):
        text = tr(
            "today_appeal",
            id=a["id"],
            unit=ctx.unit_name(a["unit"]),
            by=a["filed_by"],
            reason=a["reason"],
        )
        items.append(TodayItem("section_appeals", text, "appeals", a["id"]))
    flagged: list[dict[str, Any]] = data.get("flagged", [])
    if flagged:
        oldest = min(flagged, key=lambda r: r["device_time"])
        items.append(
            TodayItem(
                "section_flagged",
                tr("today_flagged", n=len(flagged), first=local_time(ctx, oldest["device_time"])),
                "flagged",
                oldest["id"],
            )
        )
    terminals: list[TerminalInfo] = data.get("terminals", [])
    for t in terminals:
        silent = _silent_text(ctx, t)
        if silent:
            items.append(TodayItem("section_terminals", silent, "terminals", t.id, urgent=True))
        if t.revoked_at is None and t.max_seq > t.highest_contiguous_seq:
            text = tr(
                "today_backlog",
                terminal=t.id,
                window=t.window,
                contiguous=t.highest_contiguous_seq,
                max=t.max_seq,
            )
            items.append(TodayItem("section_terminals", text, "terminals", t.id))
    anomalies: list[Anomaly] = data.get("anomalies", [])
    for a in anomalies:
        text = tr(
            "today_anomaly",
            terminal=a.terminal,
            kind=anomaly_kind(tr, a.kind),
            seq_from=a.seq_from,
            seq_to=a.seq_to,
        )
        items.append(TodayItem("section_anomalies", text, "terminals", a.terminal, urgent=True))
    return items


SECTION_ORDER = [
    "section_cases_overdue",
    "section_cases_due",
    "section_appeals",
    "section_flagged",
    "section_terminals",
    "section_anomalies",
]


class TodayPage(Page):
    """The first page: a list of what waits, by kind."""

    key = "today"
    roles = ("admin", "office", "unit", "inspector")
    open_requested = Signal(str, object)  # page key, item

    def __init__(self, ctx: ConsoleContext) -> None:
        super().__init__(ctx)
        box = QVBoxLayout(self)
        self.title_label = heading(self.t("page_today"))
        box.addWidget(self.title_label)
        hint = QLabel(self.t("today_open_hint"))
        box.addWidget(hint)
        self.list = QListWidget()
        self.list.setWordWrap(True)
        self.list.setAccessibleName(self.t("page_today"))
        self.list.itemActivated.connect(self._on_activated)
        self.list.itemDoubleClicked.connect(self._on_activated)
        box.addWidget(self.list, 1)
        self.items: list[TodayItem] = []
        role = ctx.identity.role
        self.gather: Callable[[Client, str, str], dict[str, Any]] = lambda c, hall, quarter: (
            gather_today(c, hall, quarter, role=role)
        )

    def refresh(self) -> None:
        hall, quarter = self.ctx.hall, self.ctx.quarter
        self.title_label.setText(self.t("today_heading", date=self.ctx.now().strftime("%Y-%m-%d")))
        if hall:
            gather = self.gather
            self.call(lambda c: gather(c, hall, quarter), self._on_loaded)

    def _on_loaded(self, data: dict[str, Any]) -> None:
        self.show_items(today_items(self.ctx, data))

    def show_items(self, items: list[TodayItem]) -> None:
        self.items = items
        keep = self.list.currentRow()
        self.list.clear()
        if not items:
            self.list.addItem(QListWidgetItem(self.t("today_nothing")))
            return
        bold = QFont(self.list.font())
        bold.setBold(True)
        for section in SECTION_ORDER:
            lines = [i for i in items if i.section == section]
            if not lines:
                continue
            head = QListWidgetItem(f"{self.t(section)} ({len(lines)})")
            head.setFont(bold)
            head.setFlags(Qt.ItemFlag.ItemIsEnabled)
            head.setBackground(QBrush(QColor("#E8ECF2")))
            self.list.addItem(head)
            for line in lines:
                mark = "⚠ " if line.urgent else "· "
                item = QListWidgetItem(mark + line.text)
                item.setData(Qt.ItemDataRole.UserRole, line)
                if line.urgent:
                    item.setForeground(QBrush(QColor("#A4262C")))
                self.list.addItem(item)
        row = keep if 0 <= keep < self.list.count() else self._first_line()
        self.list.setCurrentRow(row)

    def _first_line(self) -> int:
        for row in range(self.list.count()):
            if self.list.item(row).data(Qt.ItemDataRole.UserRole) is not None:
                return row
        return 0

    def lines(self) -> list[str]:
        return [self.list.item(i).text() for i in range(self.list.count())]

    def _on_activated(self, item: QListWidgetItem) -> None:
        line = item.data(Qt.ItemDataRole.UserRole)
        if isinstance(line, TodayItem):
            self.open_requested.emit(line.page, line.item)
