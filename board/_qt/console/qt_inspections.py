"""Inspections: a quick entry an inspector fills in seconds, and the quarter's list with void.

The entry: the unit (type a few characters of its code or name), optionally the staff member,
what happened — one of the hall's items with its dimension and default points, which fill in
the rest — the date (today) and a note; Ctrl+Enter records it and the form is ready for the
next one, keeping the unit. A mistaken record is voided with a reason, never deleted.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
)

from board._qt.console.qt_common import (
    ConsoleContext,
    Page,
    RecordTable,
    ask_note,
    error_text,
    heading,
)
from board._qt.console.qt_models import Column
from board._qt.console.texts import Tr
from sync.client import ApiError

__all__ = ["DIMENSIONS", "InspectionsPage", "dimension_word"]

DIMENSIONS = ("image", "behaviour", "discipline")
_ZH_DIMENSIONS = {"服务形象": "image", "服务行为": "behaviour", "工作纪律": "discipline"}


def dimension_word(tr: Tr, dimension: str) -> str:
    key = _ZH_DIMENSIONS.get(dimension, dimension)
    return tr(f"dim_{key}") if key in DIMENSIONS else dimension


def _searchable(box: QComboBox) -> None:
    """A combo box one can type into: the list narrows to matching entries."""
    box.setEditable(True)
    box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
    completer = box.completer()
    if completer is not None:
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCompletionMode(completer.CompletionMode.PopupCompletion)


class InspectionsPage(Page):
    """Quick entry above, the quarter's inspections below."""

    key = "inspections"
    roles = ("admin", "office", "inspector")

    def __init__(self, ctx: ConsoleContext) -> None:
        super().__init__(ctx)
        t = self.t
        box = QVBoxLayout(self)
        box.addWidget(heading(t("inspections_heading")))
        entry = QGroupBox(t("quick_entry"))
        form = QFormLayout(entry)
        row1 = QHBoxLayout()
        self.unit_box = QComboBox()
        self.unit_box.setMinimumWidth(260)
        _searchable(self.unit_box)
        self.unit_box.currentIndexChanged.connect(self._fill_staff)
        row1.addWidget(self.unit_box, 2)
        staff_label = QLabel(t("insp_staff"))
        row1.addWidget(staff_label)
        self.staff_box = QComboBox()
        self.staff_box.setMinimumWidth(200)
        _searchable(self.staff_box)
        staff_label.setBuddy(self.staff_box)
        row1.addWidget(self.staff_box, 1)
        form.addRow(t("insp_unit"), row1)
        row2 = QHBoxLayout()
        self.item_box = QComboBox()
        self.item_box.setMinimumWidth(260)
        self.item_box.currentIndexChanged.connect(self._on_item)
        row2.addWidget(self.item_box, 2)
        self.what = QLineEdit()
        self.what.setPlaceholderText(t("insp_what"))
        row2.addWidget(self.what, 2)
        form.addRow(t("insp_item"), row2)
        row3 = QHBoxLayout()
        self.dimension_box = QComboBox()
        for d in DIMENSIONS:
            self.dimension_box.addItem(t(f"dim_{d}"), d)
        row3.addWidget(self.dimension_box)
        points_label = QLabel(t("insp_points"))
        row3.addWidget(points_label)
        self.points = QDoubleSpinBox()
        self.points.setRange(-100, 100)
        self.points.setDecimals(1)
        self.points.setSingleStep(0.5)
        points_label.setBuddy(self.points)
        row3.addWidget(self.points)
        day_label = QLabel(t("insp_day"))
        row3.addWidget(day_label)
        self.day = QDateEdit()
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat("yyyy-MM-dd")
        today = ctx.now().date()
        self.day.setDate(QDate(today.year, today.month, today.day))
        self.day.setMaximumDate(QDate(today.year, today.month, today.day))
        day_label.setBuddy(self.day)
        row3.addWidget(self.day)
        row3.addStretch(1)
        form.addRow(t("insp_dimension"), row3)
        row4 = QHBoxLayout()
        self.note = QLineEdit()
        row4.addWidget(self.note, 1)
        self.record_button = QPushButton(t("insp_record"))
        self.record_button.clicked.connect(self.record)
        row4.addWidget(self.record_button)
        form.addRow(t("insp_note"), row4)
        self.problem = QLabel()
        self.problem.setStyleSheet("color: #A4262C;")
        form.addRow(self.problem)
        box.addWidget(entry)
        for seq in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(seq), entry, self.record)

        top = QHBoxLayout()
        self.list_title = QLabel()
        top.addWidget(self.list_title, 1)
        self.show_voided = QCheckBox(t("show_voided"))
        self.show_voided.toggled.connect(lambda _on: self.refresh())
        top.addWidget(self.show_voided)
        self.void_button = QPushButton(t("insp_void"))
        self.void_button.clicked.connect(self.void_current)
        top.addWidget(self.void_button)
        box.addLayout(top)
        self.table = RecordTable(
            t,
            [
                Column("col_day", lambda r: str(r["day"])),
                Column("col_unit", lambda r: ctx.unit_name(r["unit"])),
                Column("col_staff", lambda r: r.get("staff") or ""),
                Column("col_dimension", lambda r: dimension_word(t, r["dimension"])),
                Column(
                    "col_points",
                    lambda r: f"{r['points']:+g}",
                    sort=lambda r: r["points"],
                    numeric=True,
                ),
                Column("col_what", lambda r: r["what"]),
                Column(
                    "col_state",
                    lambda r: t("insp_voided") if r.get("voided_at") else t("insp_valid"),
                    warn=lambda r: bool(r.get("voided_at")),
                    tooltip=lambda r: r.get("void_reason") or "",
                ),
                Column("col_by", lambda r: r["recorded_by"]),
                Column("note", lambda r: r.get("note") or ""),
            ],
            key=lambda r: r["id"],
            descending=True,  # the latest first
        )
        self.table.selection_changed.connect(self._on_selected)
        box.addWidget(self.table, 1)
        self.items: list[dict[str, Any]] = []
        ctx.roster_changed.connect(self._fill_units)
        self._fill_units()
        self._on_selected(None)

    # the form ---------------------------------------------------------------------------------

    def _fill_units(self) -> None:
        keep = self.unit_box.currentData()
        self.unit_box.clear()
        roster = self.ctx.roster
        for u in roster.units.values() if roster else []:
            self.unit_box.addItem(f"{u.code} {u.name}", u.code)
        i = self.unit_box.findData(keep)
        self.unit_box.setCurrentIndex(i if i >= 0 else (0 if self.unit_box.count() else -1))
        self._fill_staff()

    def _fill_staff(self) -> None:
        self.staff_box.clear()
        self.staff_box.addItem(self.t("insp_nobody"), None)
        unit = self.unit_box.currentData()
        roster = self.ctx.roster
        for s in roster.staff.values() if roster else []:
            if s.unit == unit:
                self.staff_box.addItem(f"{s.code} {s.name}", s.code)

    def _fill_items(self, items: list[dict[str, Any]]) -> None:
        self.items = items
        keep = self.item_box.currentData()
        self.item_box.clear()
        for it in items:
            word = dimension_word(self.t, it["dimension"])
            self.item_box.addItem(f"{it['name']}（{word} {it['points']:+g}）", it["code"])
        self.item_box.addItem(self.t("insp_custom"), None)
        i = self.item_box.findData(keep) if keep is not None else -1
        self.item_box.setCurrentIndex(max(0, i))  # the first item, not "other"
        self._on_item()

    def _on_item(self) -> None:
        code = self.item_box.currentData()
        item = next((it for it in self.items if it["code"] == code), None)
        self.what.setVisible(item is None)
        if item is not None:
            dim = _ZH_DIMENSIONS.get(item["dimension"], item["dimension"])
            self.dimension_box.setCurrentIndex(max(0, self.dimension_box.findData(dim)))
            self.points.setValue(float(item["points"]))

    def select_unit(self, code: str) -> None:
        i = self.unit_box.findData(code)
        if i >= 0:
            self.unit_box.setCurrentIndex(i)

    def select_item(self, code: str | None) -> None:
        self.item_box.setCurrentIndex(max(0, self.item_box.findData(code)))

    def record(self) -> None:
        t = self.t
        hall, unit = self.ctx.hall, self.unit_box.currentData()
        if not hall or not unit:
            self.problem.setText(t("need_unit"))
            self.unit_box.setFocus()
            return
        item = self.item_box.currentData()
        what = self.what.text().strip() if item is None else None
        if item is None and not what:
            self.problem.setText(t("need_what"))
            self.what.setFocus()
            return
        self.problem.clear()
        staff = self.staff_box.currentData()
        dimension = self.dimension_box.currentData()
        points = self.points.value()
        day = self.day.date().toPython()
        note = self.note.text().strip()
        self.record_button.setEnabled(False)
        self.call(
            lambda c: c.record_inspection(
                hall,
                unit,
                day,
                item=item,
                dimension=dimension,
                points=points,
                staff=staff,
                what=what,
                note=note,
            ),
            self._on_recorded,
            self._on_refused,
        )

    def _on_recorded(self, r: dict[str, Any]) -> None:
        self.record_button.setEnabled(True)
        self.note.clear()
        self.what.clear()
        self.ctx.message.emit(
            self.t(
                "insp_recorded",
                unit=self.ctx.unit_name(r["unit"]),
                what=r["what"],
                points=r["points"],
            )
        )
        self.refresh()
        self.table.select_key(r["id"])
        self.unit_box.setFocus()

    def _on_refused(self, error: ApiError) -> None:
        self.record_button.setEnabled(True)
        self.problem.setText(error_text(self.t, error, self.ctx.identity.server))

    # the list ---------------------------------------------------------------------------------

    def refresh(self) -> None:
        hall, quarter = self.ctx.hall, self.ctx.quarter
        voided = self.show_voided.isChecked()
        self.list_title.setText(f"<b>{self.t('inspections_heading')} · {quarter}</b>")
        self.call(
            lambda c: (
                c.inspection_items(hall),
                c.inspections(hall, quarter=quarter, include_voided=voided),
            ),
            self._on_loaded,
        )

    def _on_loaded(self, result: tuple[list[dict[str, Any]], list[dict[str, Any]]]) -> None:
        items, rows = result
        if [i["code"] for i in items] != [i["code"] for i in self.items]:
            self._fill_items(items)
        self.table.set_rows(rows)
        self._on_selected(self.table.current())

    def _on_selected(self, r: Any) -> None:
        self.void_button.setEnabled(isinstance(r, dict) and not r.get("voided_at"))

    def void_current(self) -> None:
        r = self.table.current()
        if not isinstance(r, dict) or r.get("voided_at"):
            return
        t = self.t
        text = t(
            "insp_void_text",
            unit=self.ctx.unit_name(r["unit"]),
            day=r["day"],
            what=r["what"],
            points=r["points"],
        )
        reason = ask_note(self, t, t("insp_void_title"), text, t("insp_void"))
        if reason is None:
            return
        inspection = r["id"]
        self.call(lambda c: c.void_inspection(inspection, reason), lambda _r: self.refresh())
