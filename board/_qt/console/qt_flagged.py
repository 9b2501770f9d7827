"""Flagged ratings: kept, shown, not scored until the office decides to release them."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout

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

__all__ = ["FlaggedPage", "flag_words"]


def flag_words(tr: Tr, rating: dict[str, Any]) -> str:
    words = []
    for f in [*rating.get("flags", []), *rating.get("server_flags", [])]:
        text = tr(f"flag_{f}")
        words.append(f if text == f"flag_{f}" else text)
    return "、".join(words) if tr.lang == "zh" else ", ".join(words)


def rating_time(ctx: ConsoleContext, r: dict[str, Any]) -> str:
    # The kiosk's own time of the tap (its clock may be the reason for the flag).
    return local_time(ctx, r.get("device_time") or r.get("received_at"))


class FlaggedPage(Page):
    """The quarter's flagged ratings of the hall; release one into the scores or keep it out,
    each with a note."""

    key = "flagged"

    def __init__(self, ctx: ConsoleContext) -> None:
        super().__init__(ctx)
        t = self.t
        box = QVBoxLayout(self)
        top = QHBoxLayout()
        self.title_label = heading(t("flagged_heading"))
        top.addWidget(self.title_label, 1)
        self.state_box = QComboBox()
        for state in ("pending", "released", "excluded"):
            self.state_box.addItem(t(f"flagged_{state}"), state)
        self.state_box.addItem(t("status_all"), None)
        self.state_box.activated.connect(lambda _i: self.refresh())
        label = QLabel(t("filter_status"))
        label.setBuddy(self.state_box)
        top.addWidget(label)
        top.addWidget(self.state_box)
        self.release_button = QPushButton(t("release"))
        self.release_button.setShortcut(QKeySequence("Ctrl+R"))
        self.release_button.setToolTip("Ctrl+R")
        self.release_button.clicked.connect(lambda: self.decide("release"))
        top.addWidget(self.release_button)
        self.exclude_button = QPushButton(t("exclude"))
        self.exclude_button.setShortcut(QKeySequence("Ctrl+E"))
        self.exclude_button.setToolTip("Ctrl+E")
        self.exclude_button.clicked.connect(lambda: self.decide("exclude"))
        top.addWidget(self.exclude_button)
        box.addLayout(top)
        hint = QLabel(t("flagged_hint"))
        hint.setWordWrap(True)
        box.addWidget(hint)
        self.table = RecordTable(
            t,
            [
                Column("col_time", lambda r: rating_time(ctx, r), sort=lambda r: r["device_time"]),
                Column("col_window", lambda r: r["window"]),
                Column("col_unit", lambda r: ctx.unit_name(r["unit"])),
                Column("col_level", lambda r: t.level(r["level"]), sort=lambda r: r["level"]),
                Column(
                    "col_flags",
                    lambda r: flag_words(t, r),
                    warn=lambda r: r["state"] == "pending",
                ),
                Column("col_decision", lambda r: t(f"flagged_{r['state']}")),
                Column(
                    "note",
                    lambda r: f"{r.get('decided_by') or ''}: {r['note']}" if r.get("note") else "",
                ),
                Column("col_terminal", lambda r: r["terminal"]),
            ],
            key=lambda r: r["id"],
        )
        self.table.selection_changed.connect(self._on_selected)
        box.addWidget(self.table, 1)
        self._on_selected(None)

    def refresh(self) -> None:
        hall, quarter, state = self.ctx.hall, self.ctx.quarter, self.state_box.currentData()
        self.title_label.setText(f"{self.t('flagged_heading')} · {quarter}")
        self.call(lambda c: c.flagged(hall, quarter=quarter, state=state), self._on_loaded)

    def _on_loaded(self, rows: list[dict[str, Any]]) -> None:
        self.table.set_rows(rows)
        self._on_selected(self.table.current())

    def _on_selected(self, r: Any) -> None:
        pending = isinstance(r, dict) and r.get("state") == "pending"
        self.release_button.setEnabled(pending)
        self.exclude_button.setEnabled(pending)

    def open_item(self, item: Any) -> None:
        if isinstance(item, str):
            self.table.select_key(item)
        self.table.view.setFocus()

    def decide(self, decision: str) -> None:
        r = self.table.current()
        if not isinstance(r, dict) or r.get("state") != "pending":
            return
        t = self.t
        text = t(
            "release_text" if decision == "release" else "exclude_text",
            level=t.level(r["level"]),
            time=rating_time(self.ctx, r),
            window=r["window"],
            unit=self.ctx.unit_name(r["unit"]),
        )
        title = t("release_title" if decision == "release" else "exclude_title")
        note = ask_note(self, t, title, text, t(decision))
        if note is None:
            return
        rating = r["id"]
        self.call(lambda c: c.decide_flagged(rating, decision, note), lambda _r: self.refresh())
