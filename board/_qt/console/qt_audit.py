"""Audit: who did what, when, to which record — filterable; and a check of the hash chain."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from typing import Any

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
)

from board._qt.console.qt_common import ConsoleContext, Page, RecordTable, heading, local_time
from board._qt.console.qt_models import Column

__all__ = ["AuditPage", "change_summary"]

LIMIT = 1000


def change_summary(entry: dict[str, Any]) -> str:
    """The fields that changed, ``field: before → after`` (or what was created/removed)."""
    before, after = entry.get("before"), entry.get("after")
    if isinstance(before, dict) and isinstance(after, dict):
        changed = [
            f"{k}: {_short(before.get(k))} → {_short(after.get(k))}"
            for k in sorted(set(before) | set(after))
            if before.get(k) != after.get(k)
        ]
        return "; ".join(changed)
    if before is None and after is not None:
        return "+ " + _short(after, 160)
    if after is None and before is not None:
        return "− " + _short(before, 160)
    return ""


def _short(value: Any, limit: int = 60) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class AuditPage(Page):
    """The audit log, newest first, with filters; Enter shows an entry's record before/after."""

    key = "audit"
    roles = ("admin", "office")

    def __init__(self, ctx: ConsoleContext) -> None:
        super().__init__(ctx)
        t = self.t
        box = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(heading(t("audit_heading")), 1)
        self.verify_button = QPushButton(t("audit_verify"))
        self.verify_button.clicked.connect(self.verify)
        top.addWidget(self.verify_button)
        box.addLayout(top)
        self.verdict = QLabel()
        self.verdict.setWordWrap(True)
        box.addWidget(self.verdict)
        filters = QHBoxLayout()
        self.actor = QLineEdit()
        self.action = QLineEdit()
        self.action.setPlaceholderText("case.*")
        self.target = QLineEdit()
        self.target.setPlaceholderText("terminal:*")
        self.since = QDateEdit()
        self.until = QDateEdit()
        today = ctx.now().date()
        for day_edit, back in ((self.since, 90), (self.until, 0)):
            day_edit.setCalendarPopup(True)
            day_edit.setDisplayFormat("yyyy-MM-dd")
            day_edit.setDate(QDate(today.year, today.month, today.day).addDays(-back))
        for key, w in (
            ("col_actor", self.actor),
            ("col_action", self.action),
            ("col_target", self.target),
            ("col_time", self.since),
        ):
            label = QLabel(t(key))
            label.setBuddy(w)
            filters.addWidget(label)
            filters.addWidget(w)
        filters.addWidget(QLabel("–"))
        filters.addWidget(self.until)
        apply = QPushButton(t("refresh"))
        apply.clicked.connect(self.refresh)
        filters.addWidget(apply)
        for edit in (self.actor, self.action, self.target):
            edit.returnPressed.connect(self.refresh)
        box.addLayout(filters)
        split = QSplitter(Qt.Orientation.Vertical)
        self.table = RecordTable(
            t,
            [
                Column(
                    "col_time",
                    lambda e: local_time(ctx, e["at"], "%Y-%m-%d %H:%M:%S"),
                    sort=lambda e: e["seq"],
                ),
                Column("col_actor", lambda e: e["actor"]),
                Column("col_action", lambda e: e["action"]),
                Column("col_target", lambda e: e["target"]),
                Column("col_change", change_summary, tooltip=change_summary),
            ],
            key=lambda e: e["seq"],
            descending=True,  # newest first, as the log reads
        )
        self.table.selection_changed.connect(self._show_entry)
        split.addWidget(self.table)
        self.entry = QPlainTextEdit()
        self.entry.setReadOnly(True)
        self.entry.setTabChangesFocus(True)
        split.addWidget(self.entry)
        split.setSizes([480, 160])
        box.addWidget(split, 1)

    def refresh(self) -> None:
        hall, zone = self.ctx.hall, self.ctx.zone
        first: date = self.since.date().toPython()  # type: ignore[assignment]
        last: date = self.until.date().toPython()  # type: ignore[assignment]
        since = datetime.combine(first, time(0), zone)
        until = datetime.combine(last, time(0), zone) + timedelta(days=1)
        actor = self.actor.text().strip() or None
        action = self.action.text().strip() or None
        target = self.target.text().strip() or None
        self.call(
            lambda c: c.audit(
                hall=hall,
                actor=actor,
                action=action,
                target=target,
                since=since,
                until=until,
                limit=LIMIT,
            ),
            self.table.set_rows,
        )

    def _show_entry(self, e: Any) -> None:
        if not isinstance(e, dict):
            self.entry.clear()
            return
        dump = {
            k: e.get(k)
            for k in (
                "seq",
                "at",
                "actor_kind",
                "actor",
                "hall",
                "action",
                "target",
                "before",
                "after",
            )
        }
        self.entry.setPlainText(json.dumps(dump, ensure_ascii=False, indent=1))

    def verify(self) -> None:
        self.call(lambda c: c.verify_audit(), self._on_verified)

    def _on_verified(self, v: dict[str, Any]) -> None:
        t = self.t
        if v.get("ok"):
            self.verdict.setStyleSheet("color: #1B5E20;")
            self.verdict.setText("✔ " + t("audit_ok", n=v.get("entries", 0)))
        else:
            self.verdict.setStyleSheet("color: #A4262C;")
            self.verdict.setText("⚠ " + t("audit_broken", detail=v.get("problem") or v.get("seq")))
