"""Cases: every 差评 with its working-day deadlines, and the steps that close it.

The table lists the hall's cases, what is due first on top, filtered by unit, status, overdue
and the quarter chosen in the bar. The selected case shows the rating, the phone number when the
server sends it (the office and the unit's own operators only), its due dates, its steps so far,
and the buttons of the steps still to do, each asking for its note. A unit's operator may also
appeal the 差评 from here.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from board._qt.console.qt_common import (
    ConsoleContext,
    Page,
    RecordTable,
    ask_note,
    heading,
    local_time,
)
from board._qt.console.qt_models import Column
from board._qt.console.texts import Tr
from sync.schema import BUILTIN_REASONS

__all__ = ["STEPS", "CasesPage", "case_status", "reason_words"]

STEPS = ("called_back", "rectified", "closed")


def case_status(tr: Tr, status: str) -> str:
    return tr(f"case_{status}")


def reason_words(ctx: ConsoleContext, codes: list[str]) -> str:
    roster = ctx.roster
    names = []
    for c in codes:
        r = roster.reasons.get(c) if roster else None
        builtin = BUILTIN_REASONS.get(c)
        names.append(r.name if r else builtin[0] if builtin else c)
    return "、".join(names) if ctx.t.lang == "zh" else ", ".join(names)


def _due(ctx: ConsoleContext, c: dict[str, Any]) -> str:
    due = c.get("next_due")
    if not due:
        return ""
    text = str(due)
    if c.get("overdue"):
        return f"{text} {ctx.t('overdue_mark')}"
    if due == ctx.now().date().isoformat():
        return f"{text} {ctx.t('due_today_mark')}"
    return text


def case_columns(ctx: ConsoleContext) -> list[Column]:
    t = ctx.t
    return [
        Column("col_case", lambda c: str(c["id"]), sort=lambda c: c["id"], numeric=True),
        Column(
            "col_due",
            lambda c: _due(ctx, c),
            sort=lambda c: c.get("next_due") or "9999",
            warn=lambda c: bool(c.get("overdue")),
        ),
        Column("col_unit", lambda c: ctx.unit_name(c["unit"])),
        Column("col_window", lambda c: c["window"]),
        Column("col_level", lambda c: t.level(c["level"]), sort=lambda c: c["level"]),
        Column("col_reasons", lambda c: reason_words(ctx, c.get("reasons", []))),
        Column("col_status", lambda c: case_status(t, c["status"])),
        Column("col_next", lambda c: t(f"next_{c['next_step']}") if c.get("next_step") else ""),
        Column(
            "col_day",
            lambda c: str(c.get("day") or ""),
            tooltip=lambda c: local_time(ctx, c["received_at"]),  # when the store got it
        ),
    ]


class CasesPage(Page):
    """The 差评 cases of the hall and quarter; steps with a note."""

    key = "cases"
    roles = ("admin", "office", "unit")

    def __init__(self, ctx: ConsoleContext) -> None:
        super().__init__(ctx)
        t = self.t
        box = QVBoxLayout(self)
        box.addWidget(heading(t("cases_heading")))
        filters = QHBoxLayout()
        self.unit_box = QComboBox()
        self.unit_box.setMinimumWidth(220)
        self.unit_box.addItem(t("all_units"), None)
        unit_label = QLabel(t("filter_unit"))
        unit_label.setBuddy(self.unit_box)
        if ctx.identity.unit is None:
            filters.addWidget(unit_label)
            filters.addWidget(self.unit_box)
        self.status_box = QComboBox()
        self.status_box.addItem(t("status_open"), "open")
        self.status_box.addItem(t("status_all"), None)
        for s in ("new", "called_back", "rectified", "closed"):
            self.status_box.addItem(case_status(t, s), s)
        status_label = QLabel(t("filter_status"))
        status_label.setBuddy(self.status_box)
        filters.addWidget(status_label)
        filters.addWidget(self.status_box)
        self.overdue_box = QCheckBox(t("filter_overdue"))
        filters.addWidget(self.overdue_box)
        self.quarter_box = QCheckBox(t("filter_quarter"))
        self.quarter_box.setChecked(True)
        filters.addWidget(self.quarter_box)
        filters.addStretch(1)
        box.addLayout(filters)
        for w in (self.unit_box, self.status_box):
            w.activated.connect(lambda _i: self.refresh())
        self.overdue_box.toggled.connect(lambda _on: self.refresh())
        self.quarter_box.toggled.connect(lambda _on: self.refresh())

        split = QSplitter(Qt.Orientation.Horizontal)
        # What is due first on top (as the server sorts them); cases without a due date last.
        self.table = RecordTable(t, case_columns(ctx), key=lambda c: c["id"], sort_column=1)
        self.table.selection_changed.connect(self.show_case)
        split.addWidget(self.table)
        detail = QWidget()
        dbox = QVBoxLayout(detail)
        dbox.setContentsMargins(0, 0, 0, 0)
        self.detail_title = QLabel()
        self.detail_title.setWordWrap(True)
        dbox.addWidget(self.detail_title)
        self.detail = QPlainTextEdit()
        self.detail.setReadOnly(True)
        self.detail.setTabChangesFocus(True)
        self.detail.setPlaceholderText(t("select_case"))
        dbox.addWidget(self.detail, 1)
        buttons = QHBoxLayout()
        self.step_buttons: dict[str, QPushButton] = {}
        for n, step in enumerate(STEPS, start=1):
            b = QPushButton(t(f"step_{step}"))
            b.setShortcut(QKeySequence(f"Alt+{n}"))
            b.setToolTip(f"Alt+{n}")
            b.clicked.connect(lambda _c=False, s=step: self.do_step(s))
            buttons.addWidget(b)
            self.step_buttons[step] = b
        self.appeal_button = QPushButton(t("file_appeal"))
        self.appeal_button.clicked.connect(self.file_appeal)
        buttons.addWidget(self.appeal_button)
        self.appeal_button.setVisible(ctx.identity.role in ("unit", "admin"))
        dbox.addLayout(buttons)
        split.addWidget(detail)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        box.addWidget(split, 1)
        ctx.roster_changed.connect(self._fill_units)
        self._fill_units()
        self.show_case(None)

    def _fill_units(self) -> None:
        keep = self.unit_box.currentData()
        self.unit_box.clear()
        self.unit_box.addItem(self.t("all_units"), None)
        roster = self.ctx.roster
        for u in roster.units.values() if roster else []:
            self.unit_box.addItem(f"{u.code} {u.name}", u.code)
        i = self.unit_box.findData(keep)
        self.unit_box.setCurrentIndex(max(0, i))

    def refresh(self) -> None:
        hall = self.ctx.hall
        quarter = self.ctx.quarter if self.quarter_box.isChecked() else None
        self.quarter_box.setText(self.t("filter_quarter") + f" {self.ctx.quarter}")
        unit = self.ctx.identity.unit or self.unit_box.currentData()
        status = self.status_box.currentData()
        overdue = self.overdue_box.isChecked()
        self.call(
            lambda c: c.cases(hall, unit=unit, status=status, quarter=quarter, overdue=overdue),
            self._on_loaded,
        )

    def _on_loaded(self, rows: list[dict[str, Any]]) -> None:
        self.table.set_rows(rows)
        self.show_case(self.table.current())

    def open_item(self, item: Any) -> None:
        if isinstance(item, int) and not self.table.select_key(item):
            # not in the current filter (closed meanwhile, another quarter): widen it
            self.status_box.setCurrentIndex(self.status_box.findData(None))
            self.unit_box.setCurrentIndex(0)
            for box in (self.overdue_box, self.quarter_box):
                box.blockSignals(True)
                box.setChecked(False)
                box.blockSignals(False)
            self.refresh()
            self.call(lambda _c: None, lambda _r: self._select(item))
        self.table.view.setFocus()

    def _select(self, case: int) -> None:
        self.table.select_key(case)

    def show_case(self, c: Any) -> None:
        t = self.t
        if not isinstance(c, dict):
            self.detail_title.clear()
            self.detail.clear()
            for b in self.step_buttons.values():
                b.setEnabled(False)
            self.appeal_button.setEnabled(False)
            return
        staff = f" · {c['staff']}" if c.get("staff") else ""
        self.detail_title.setText(
            "<b>"
            + t(
                "case_detail",
                id=c["id"],
                unit=self.ctx.unit_name(c["unit"]),
                window=c["window"],
                staff=staff,
            )
            + f" · {case_status(t, c['status'])}</b>"
        )
        lines = [
            t(
                "case_rating",
                level=t.level(c["level"]),
                reasons=reason_words(self.ctx, c.get("reasons", [])) or "—",
                time=c.get("day") or local_time(self.ctx, c["received_at"]),
            )
        ]
        if c.get("phone"):
            lines.append(t("case_phone", phone=c["phone"]))
        elif c.get("has_phone"):
            lines.append(t("case_phone_hidden"))
        else:
            lines.append(t("case_no_phone"))
        if c.get("deadline_problem"):
            lines.append(t("case_deadline_problem", problem=c["deadline_problem"]))
        else:
            lines.append(
                t(
                    "case_deadlines",
                    callback=c.get("callback_due") or "—",
                    rectify=c.get("rectify_due") or "—",
                )
            )
        if c.get("overdue"):
            late = "、".join(t(f"next_{s}") for s in c["overdue"])
            lines.append(f"{t('overdue_mark')}: {late}")
        if c.get("steps"):
            lines.append("")
            lines.append(t("case_steps"))
            for s in c["steps"]:
                lines.append(
                    t(
                        "case_step_line",
                        time=local_time(self.ctx, s["at"]),
                        step=case_status(t, s["step"]),
                        by=s["by"],
                        late=t("late") if s.get("late") else "",
                        note=s["note"],
                    )
                )
        appeal = c.get("appeal")
        if appeal:
            lines.append("")
            lines.append(
                t(
                    "case_appeal",
                    status=t(f"appeal_{appeal['status']}"),
                    by=appeal["filed_by"],
                    reason=appeal["reason"],
                )
            )
        self.detail.setPlainText("\n".join(lines))
        next_step = c.get("next_step")
        done = {s["step"] for s in c.get("steps", [])}
        for step, b in self.step_buttons.items():
            b.setEnabled(c["status"] != "closed" and step not in done and step == next_step)
        self.appeal_button.setEnabled(appeal is None and c["status"] != "closed")

    def do_step(self, step: str) -> None:
        c = self.table.current()
        if not isinstance(c, dict):
            return
        t = self.t
        note = ask_note(self, t, t(f"step_title_{step}"), t(f"step_hint_{step}"), t("confirm"))
        if note is None:
            return
        case_id = c["id"]
        self.call(lambda cl: cl.case_step(case_id, step, note), self._on_stepped)

    def _on_stepped(self, c: dict[str, Any]) -> None:
        self.ctx.message.emit(self.t("step_done", step=case_status(self.t, c["status"])))
        self.refresh()

    def file_appeal(self) -> None:
        c = self.table.current()
        if not isinstance(c, dict):
            return
        t = self.t
        reason = ask_note(self, t, t("appeal_title"), t("appeal_text"), t("confirm"))
        if reason is None:
            return
        rating = c["rating"]
        self.call(lambda cl: cl.file_appeal(rating, reason), self._on_appealed)

    def _on_appealed(self, _a: dict[str, Any]) -> None:
        self.ctx.message.emit(self.t("appeal_filed"))
        self.refresh()
