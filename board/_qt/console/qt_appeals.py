"""Appeals (申诉复核): the units' appeals against a 差评; the office accepts or rejects, with a note.

An accepted appeal takes the 差评 out of the scores (kept, with the decision and who made it)
and closes its case; a rejected one leaves it counted. A unit's operator sees its own appeals
and files new ones from the Cases page.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout

from board._qt.console.qt_cases import reason_words
from board._qt.console.qt_common import (
    ConsoleContext,
    Page,
    RecordTable,
    ask_note,
    heading,
    local_time,
)
from board._qt.console.qt_models import Column

__all__ = ["AppealsPage"]


class AppealsPage(Page):
    """The quarter's appeals; decide the pending ones."""

    key = "appeals"
    roles = ("admin", "office", "unit")

    def __init__(self, ctx: ConsoleContext) -> None:
        super().__init__(ctx)
        t = self.t
        box = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(heading(t("appeals_heading")), 1)
        self.status_box = QComboBox()
        for status in ("pending", "accepted", "rejected"):
            self.status_box.addItem(t(f"appeal_{status}"), status)
        self.status_box.addItem(t("status_all"), None)
        self.status_box.activated.connect(lambda _i: self.refresh())
        label = QLabel(t("filter_status"))
        label.setBuddy(self.status_box)
        top.addWidget(label)
        top.addWidget(self.status_box)
        self.accept_button = QPushButton(t("accept"))
        self.accept_button.setShortcut(QKeySequence("Ctrl+Shift+A"))
        self.accept_button.setToolTip("Ctrl+Shift+A")
        self.accept_button.clicked.connect(lambda: self.decide(True))
        self.reject_button = QPushButton(t("reject"))
        self.reject_button.setShortcut(QKeySequence("Ctrl+Shift+R"))
        self.reject_button.setToolTip("Ctrl+Shift+R")
        self.reject_button.clicked.connect(lambda: self.decide(False))
        if ctx.identity.is_office:
            top.addWidget(self.accept_button)
            top.addWidget(self.reject_button)
        box.addLayout(top)
        self.table = RecordTable(
            t,
            [
                Column("col_case", lambda a: str(a["id"]), sort=lambda a: a["id"], numeric=True),
                Column("col_unit", lambda a: ctx.unit_name(a["unit"])),
                Column(
                    "col_level",
                    lambda a: t.level(a["level"]) if a.get("level") else "",
                ),
                Column("col_reasons", lambda a: reason_words(ctx, a.get("reasons", []))),
                Column("col_received", lambda a: local_time(ctx, a.get("received_at"))),
                Column("col_reason", lambda a: a["reason"], tooltip=lambda a: a["reason"]),
                Column(
                    "col_filed",
                    lambda a: f"{local_time(ctx, a['filed_at'])} {a['filed_by']}",
                ),
                Column("col_status", lambda a: t(f"appeal_{a['status']}")),
                Column(
                    "col_decided",
                    lambda a: (
                        f"{a.get('decided_by') or ''}: {a.get('decision_note') or ''}"
                        if a.get("decided_by")
                        else ""
                    ),
                ),
            ],
            key=lambda a: a["id"],
        )
        self.table.selection_changed.connect(self._on_selected)
        box.addWidget(self.table, 1)
        self._on_selected(None)

    def refresh(self) -> None:
        hall, quarter, status = self.ctx.hall, self.ctx.quarter, self.status_box.currentData()
        self.call(lambda c: c.appeals(hall, quarter=quarter, status=status), self._on_loaded)

    def _on_loaded(self, rows: list[dict[str, Any]]) -> None:
        unit = self.ctx.identity.unit
        self.table.set_rows([a for a in rows if unit is None or a["unit"] == unit])
        self._on_selected(self.table.current())

    def _on_selected(self, a: Any) -> None:
        pending = isinstance(a, dict) and a.get("status") == "pending"
        self.accept_button.setEnabled(pending)
        self.reject_button.setEnabled(pending)

    def open_item(self, item: Any) -> None:
        if isinstance(item, int):
            self.table.select_key(item)
        self.table.view.setFocus()

    def decide(self, accept: bool) -> None:
        a = self.table.current()
        if not isinstance(a, dict) or a.get("status") != "pending":
            return
        t = self.t
        what = "accept" if accept else "reject"
        text = t(
            f"{what}_text",
            unit=self.ctx.unit_name(a["unit"]),
            level=t.level(a["level"]) if a.get("level") else "",
        )
        note = ask_note(self, t, t(f"{what}_title"), text, t(what))
        if note is None:
            return
        appeal = a["id"]
        self.call(lambda c: c.decide_appeal(appeal, accept, note), self._on_decided)

    def _on_decided(self, a: dict[str, Any]) -> None:
        self.ctx.message.emit(self.t("decided", decision=self.t(f"appeal_{a['status']}")))
        self.refresh()
