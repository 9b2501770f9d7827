"""Flagged ratings: kept, shown, not scored until the office decides to release them."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout

from board._qt.console.qt_common import (
    ConsoleContext,
    Page,
    RecordTable,
    confirm,
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
    """The quarter's flagged ratings of the hall; release one into the scores."""

    key = "flagged"

    def __init__(self, ctx: ConsoleContext) -> None:
        super().__init__(ctx)
        tr = self.t
        box = QVBoxLayout(self)
        top = QHBoxLayout()
        self.title_label = heading(tr("flagged_heading"))
        top.addWidget(self.title_label, 1)
        self.show_released = QCheckBox(tr("show_released"))
        self.show_released.toggled.connect(self._apply_filter)
        top.addWidget(self.show_released)
        self.release_button = QPushButton(tr("release"))
        self.release_button.setShortcut(QKeySequence("Ctrl+R"))
        self.release_button.setToolTip("Ctrl+R")
        self.release_button.clicked.connect(self.release_current)
        top.addWidget(self.release_button)
        box.addLayout(top)
        hint = QLabel(tr("flagged_hint"))
        hint.setWordWrap(True)
        box.addWidget(hint)
        self.table = RecordTable(
            tr,
            [
                Column("col_time", lambda r: rating_time(ctx, r), sort=lambda r: r["device_time"]),
                Column("col_window", lambda r: r["window"]),
                Column("col_unit", lambda r: ctx.unit_name(r["unit"])),
                Column("col_staff", lambda r: r.get("staff") or ""),
                Column("col_level", lambda r: tr.level(r["level"]), sort=lambda r: r["level"]),
                Column("col_flags", lambda r: flag_words(tr, r), warn=lambda r: not r["released"]),
                Column(
                    "col_decision",
                    lambda r: tr("released") if r["released"] else tr("waiting"),
                ),
                Column("col_terminal", lambda r: f"{r['terminal']} #{r['seq']}"),
            ],
            key=lambda r: r["id"],
        )
        self.table.selection_changed.connect(self._on_selected)
        self.table.activated.connect(lambda _r: self.release_current())
        box.addWidget(self.table, 1)
        self._apply_filter()
        self._on_selected(None)

    def refresh(self) -> None:
        hall, quarter = self.ctx.hall, self.ctx.quarter
        self.title_label.setText(f"{self.t('flagged_heading')} · {quarter}")
        self.call(
            lambda c: c.list_ratings(hall, quarter, flagged=True, limit=10000), self._on_loaded
        )

    def _on_loaded(self, rows: list[dict[str, Any]]) -> None:
        self.table.set_rows(rows)
        self._on_selected(self.table.current())

    def _apply_filter(self) -> None:
        show_all = self.show_released.isChecked()
        self.table.proxy.set_record_filter(None if show_all else lambda r: not r["released"])

    def _on_selected(self, r: Any) -> None:
        self.release_button.setEnabled(isinstance(r, dict) and not r.get("released"))

    def open_item(self, item: Any) -> None:
        if isinstance(item, str):
            self.table.select_key(item)
        self.table.view.setFocus()

    def release_current(self) -> None:
        r = self.table.current()
        if not isinstance(r, dict) or r.get("released"):
            return
        tr = self.t
        text = tr(
            "release_text",
            level=tr.level(r["level"]),
            time=rating_time(self.ctx, r),
            window=r["window"],
            unit=self.ctx.unit_name(r["unit"]),
        )
        if confirm(self, tr, tr("release_title"), text):
            rating = r["id"]
            self.call(lambda c: c.release_rating(rating), lambda _r: self.refresh())
