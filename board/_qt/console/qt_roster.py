"""Roster: the hall's units, windows, staff, categories and reasons as tables.

Importing a CSV or XLSX file first checks it here (the same parser the server uses) and lists
every problem by line and column; nothing is sent until the file is clean and the office has
seen what it changes. "Save as XLSX" writes the current roster in the very format the import
reads, so an office can edit it in Excel and import it back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
)

from board._qt.console.qt_common import ConsoleContext, Page, RecordTable, heading
from board._qt.console.qt_models import Column
from board._qt.console.texts import Tr
from sync.roster import Problem, Roster, RosterError, parse_roster_bytes

__all__ = ["ImportCheck", "ImportDialog", "RosterPage", "check_roster_file"]

KINDS = ("units", "windows", "staff", "categories", "reasons")


@dataclass
class ImportCheck:
    """A roster file checked before import: its problems, or what it would change."""

    path: Path
    data: bytes
    problems: list[Problem] = field(default_factory=list)
    roster: Roster | None = None
    changes: dict[str, tuple[list[str], list[str]]] = field(default_factory=dict)  # added, gone


def check_roster_file(path: Path, current: Roster | None) -> ImportCheck:
    """Read and check ``path`` (no Qt; runs on the worker). Never raises for a bad file."""
    try:
        data = path.read_bytes()
    except OSError as e:
        return ImportCheck(path, b"", [Problem(0, "-", f"cannot read the file: {e.strerror}")])
    try:
        roster = parse_roster_bytes(data, path.name)
    except RosterError as e:
        return ImportCheck(path, data, list(e.problems))
    check = ImportCheck(path, data, roster=roster)
    if current is not None and current.hall.code == roster.hall.code:
        for kind in KINDS:
            old, new = getattr(current, kind), getattr(roster, kind)
            added = [f"{k} {new[k].name}" for k in new if k not in old]
            gone = [f"{k} {old[k].name}" for k in old if k not in new]
            if added or gone:
                check.changes[kind] = (added, gone)
    return check


class ImportDialog(QDialog):
    """The check's outcome: the problems by line and column, or the changes and "Import"."""

    def __init__(self, page: RosterPage, check: ImportCheck) -> None:
        super().__init__(page)
        tr = page.t
        self.check = check
        self.setWindowTitle(tr("import_title", file=check.path.name))
        box = QVBoxLayout(self)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        box.addWidget(self.summary)
        buttons = QDialogButtonBox()
        self.apply_button: QPushButton | None = None
        if check.problems:
            self.summary.setText(tr("import_problems", n=len(check.problems)))
            self.problems = RecordTable(
                tr,
                [
                    Column("col_line", lambda p: str(p.line), sort=lambda p: p.line, numeric=True),
                    Column("col_column", lambda p: p.column),
                    Column("col_problem", lambda p: p.message),
                ],
                key=lambda p: (p.line, p.column, p.message),
                with_filter=False,
            )
            self.problems.set_rows(check.problems)
            box.addWidget(self.problems, 1)
            buttons.addButton(tr("close"), QDialogButtonBox.ButtonRole.RejectRole)
        else:
            r = check.roster
            assert r is not None
            self.summary.setText(
                tr(
                    "import_ok",
                    hall=f"{r.hall.code} {r.hall.name}",
                    units=len(r.units),
                    windows=len(r.windows),
                    staff=len(r.staff),
                )
            )
            lines = []
            for kind, (added, gone) in check.changes.items():
                name = tr(f"roster_{kind}")
                if added:
                    lines.append(f"{name} {tr('added')}: " + "、".join(added))
                if gone:
                    lines.append(f"{name} {tr('removed')}: " + "、".join(gone))
            if lines:
                changes = QLabel(tr("import_changes") + "\n" + "\n".join(lines))
                changes.setWordWrap(True)
                box.addWidget(changes)
            box.addStretch(1)
            self.apply_button = buttons.addButton(
                tr("import_apply"), QDialogButtonBox.ButtonRole.AcceptRole
            )
            self.apply_button.setDefault(True)
            buttons.addButton(tr("cancel"), QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        box.addWidget(buttons)
        self.resize(720, 480)


def _columns(kind: str, ctx: ConsoleContext) -> list[Column]:
    code = Column("col_code", lambda r: r.code)
    name = Column("col_name", lambda r: r.name)

    def category(code_: str) -> str:
        r = ctx.roster  # read when drawn: after a re-import too
        c = r.categories.get(code_) if r else None
        return f"{code_} {c.name}" if c else code_

    if kind == "units":
        return [code, name, Column("col_category", lambda u: category(u.category))]
    if kind == "windows":
        return [
            code,
            name,
            Column("col_unit", lambda w: f"{w.unit} {ctx.unit_name(w.unit)}"),
            Column("col_category", lambda w: category(w.category)),
        ]
    if kind == "staff":
        return [
            code,
            name,
            Column("col_unit", lambda s: f"{s.unit} {ctx.unit_name(s.unit)}"),
            Column("col_windows", lambda s: "、".join(s.windows)),
        ]
    if kind == "reasons":
        return [code, name, Column("col_description", lambda r: r.description)]
    return [code, name]


class RosterPage(Page):
    """The roster's tables, import with a check, save as XLSX."""

    key = "roster"

    def __init__(self, ctx: ConsoleContext) -> None:
        super().__init__(ctx)
        tr = self.t
        box = QVBoxLayout(self)
        top = QHBoxLayout()
        self.title_label = heading(tr("roster_heading"))
        top.addWidget(self.title_label, 1)
        self.import_button = QPushButton(tr("roster_import"))
        self.import_button.setShortcut(QKeySequence("Ctrl+O"))
        self.import_button.setToolTip("Ctrl+O")
        self.import_button.clicked.connect(self._on_import_clicked)
        top.addWidget(self.import_button)
        self.save_button = QPushButton(tr("roster_save"))
        self.save_button.setShortcut(QKeySequence("Ctrl+S"))
        self.save_button.setToolTip("Ctrl+S")
        self.save_button.clicked.connect(self._on_save_clicked)
        top.addWidget(self.save_button)
        box.addLayout(top)
        self.tabs = QTabWidget()
        self.tables: dict[str, RecordTable] = {}
        for kind in KINDS:
            table = RecordTable(tr, _columns(kind, ctx), key=lambda r: r.code)
            self.tables[kind] = table
            self.tabs.addTab(table, tr(f"roster_{kind}"))
        box.addWidget(self.tabs, 1)
        self.dialog: ImportDialog | None = None
        ctx.roster_changed.connect(self._show_roster)
        self._show_roster()

    def refresh(self) -> None:
        hall = self.ctx.hall
        if hall:
            self.call(lambda c: c.roster(hall), self.ctx.set_roster)

    def _show_roster(self) -> None:
        r = self.ctx.roster
        tr = self.t
        for i, kind in enumerate(KINDS):
            rows = list(getattr(r, kind).values()) if r else []
            self.tables[kind].set_rows(rows)
            self.tabs.setTabText(i, f"{tr(f'roster_{kind}')} ({len(rows)})")
        self.save_button.setEnabled(r is not None)
        if r is not None:
            self.title_label.setText(f"{tr('roster_heading')} · {r.hall.code} {r.hall.name}")

    # import ---------------------------------------------------------------------------------

    def _on_import_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, self.t("roster_import"), "", "Roster (*.csv *.xlsx);;CSV (*.csv);;XLSX (*.xlsx)"
        )
        if path:
            self.import_file(Path(path))

    def import_file(self, path: Path) -> None:
        """Check ``path`` on the worker, then show the check (problems, or changes + Import)."""
        current = self.ctx.roster
        self.call(lambda _c: check_roster_file(path, current), self._on_checked)

    def _on_checked(self, check: ImportCheck) -> None:
        self.dialog = ImportDialog(self, check)
        self.dialog.accepted.connect(lambda: self._apply(check))
        self.dialog.setModal(True)
        self.dialog.show()

    def _apply(self, check: ImportCheck) -> None:
        data, name = check.data, check.path.name
        self.call(lambda c: c.import_roster(data, name), self._on_imported)

    def _on_imported(self, summary: dict[str, Any]) -> None:
        self.ctx.message.emit(self.t("import_done", summary=summary_text(self.t, summary)))
        if summary.get("hall_created"):
            self.ctx.halls_stale.emit()
        self.refresh()

    # save -----------------------------------------------------------------------------------

    def _on_save_clicked(self) -> None:
        r = self.ctx.roster
        if r is None:
            return
        path, _ = QFileDialog.getSaveFileName(
            self, self.t("roster_save"), f"roster-{r.hall.code}.xlsx", "XLSX (*.xlsx)"
        )
        if path:
            self.save_xlsx(Path(path))

    def save_xlsx(self, path: Path) -> None:
        roster = self.ctx.roster
        if roster is None:
            return
        if path.suffix.lower() != ".xlsx":
            path = path.with_suffix(".xlsx")

        def write(_c: Any) -> Path:
            tmp = path.with_name(path.name + ".part")
            tmp.write_bytes(roster.to_xlsx())
            tmp.replace(path)  # never a half-written workbook under the real name
            return path

        self.call(write, lambda p: self.ctx.message.emit(self.t("saved_to", path=p)))


def summary_text(tr: Tr, s: dict[str, Any]) -> str:
    parts = [f"{s.get('hall', '')} {s.get('name', '')}"]
    for kind in KINDS:
        k = s.get(kind)
        if isinstance(k, dict):
            parts.append(
                f"{tr(f'roster_{kind}')} {k.get('total', 0)} "
                f"(+{k.get('added', 0)} / ~{k.get('updated', 0)} / -{k.get('removed', 0)})"
            )
    return "；".join(parts) if tr.lang == "zh" else "; ".join(parts)
