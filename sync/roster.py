"""The hall's roster: units, window categories, windows, staff, reasons, opening hours, settings.

An office edits it in Excel as one table with the columns

    kind, code, name, parent, detail, note

one row per thing (``kind`` is hall / hours / setting / category / unit / section / window /
staff / reason / item / closed / holiday / workday). What ``parent``, ``detail`` and ``note`` mean depends on the kind:

=========  ==============  ===================  ==================================  ===========
kind       code            name                 parent / detail                     note
=========  ==============  ===================  ==================================  ===========
hall       hall code       hall name            - / IANA time zone                  -
hours      mon … sun       -                    - / ``08:20-17:30`` (empty: closed) -
setting    setting key     -                    - / value                           -
category   category code   category name        -                                   -
unit       unit code       unit name            category code / -                   -
section    section code    e.g. ``企业注册科``  unit code / -                       optional note
window     window code     e.g. ``3号窗口``     default unit code / category code   -
staff      工号            name                 unit code / window codes ``A01;A02``  photo file
reason     reason code     short text           - / plain-language line             -
item       item code       what happened        dimension / default points ``-2``   -
closed     ``2026-11-16``  why (e.g. 搬迁)      -                                   -
holiday    ``2027-01-01``  which (e.g. 元旦)    -                                   -
workday    ``2027-02-07``  why (e.g. 春节调休)  -                                   -
=========  ==============  ===================  ==================================  ===========

A **section** (科室) is an office of a unit behind the counters (不动产登记中心, 企业注册科 …);
the quarterly public review ranks sections. A window or a staff member may name its section in
the optional seventh column ``section`` (a section of the window's default unit, or of the staff
member's unit); a file without that column is read as before. A rating carries the section of
the staff member on duty, else of the window, when the roster names one.

``item`` rows are the inspectors' list of what can happen (迟到 -1 in 工作纪律, 群众表扬 +1 in
服务行为 …): the dimension is ``image`` / ``behaviour`` / ``discipline`` (or 服务形象 / 服务行为 /
工作纪律), the points a deduction (negative) or a bonus (positive) an inspector may change per
record. ``closed`` rows are days the hall is shut although the national calendar says work; the
差评 follow-up deadlines skip them (``sync.workdays``). ``holiday`` and ``workday`` rows carry the
State Council's holiday arrangement (放假安排) for a year the installed ``chinesecalendar`` does
not know yet: the statutory days off, and the weekend days worked in exchange (调休). Once a
roster names any such day in a year, that year's calendar is weekends plus those rows; they also
override the package where both speak.

``parse_roster`` reads CSV (UTF-8, with or without BOM, as Excel saves it) or XLSX (first sheet)
and refuses the whole file if any row is bad, naming the line, the column and why.

Whom a window serves (``Roster.served_units`` / ``served_staff``): its default unit and the staff
assigned to it (with their units). A window of a *combined* category (无差别综合窗口, named by the
setting ``combined_categories``, e.g. ``WZB``; several codes separated by ``;``) serves every
unit of that category and every staff member assigned to any window of it: there, any clerk of
the area handles any of its units' matters. The central store flags a rating outside that set.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import date, time
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sync.defaults import DEFAULT_TZ

__all__ = [
    "COLUMNS",
    "COMBINED_CATEGORIES",
    "DIMENSIONS",
    "WEEKDAYS",
    "Category",
    "Hall",
    "InspectionItem",
    "Problem",
    "Reason",
    "Roster",
    "RosterError",
    "Section",
    "Staff",
    "Unit",
    "Window",
    "dimension_of",
    "parse_roster",
    "parse_roster_bytes",
    "table_rows",
]

COLUMNS = ("kind", "code", "name", "parent", "detail", "note")
OPTIONAL_COLUMNS = ("section",)  # windows and staff: the section (科室) they belong to
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
KINDS = (
    "hall",
    "hours",
    "setting",
    "category",
    "unit",
    "section",
    "window",
    "staff",
    "reason",
    "item",
    "closed",
    "holiday",
    "workday",
)
# The setting naming the categories whose windows are combined (无差别综合窗口), ``;``-separated.
COMBINED_CATEGORIES = "combined_categories"
# The inspected dimensions (服务质量 is the citizens' own, from their ratings).
DIMENSIONS = {"image": "服务形象", "behaviour": "服务行为", "discipline": "工作纪律"}
_DIMENSION_ALIASES = {
    **{k: k for k in DIMENSIONS},
    **{v: k for k, v in DIMENSIONS.items()},
    "behavior": "behaviour",
}


def dimension_of(text: str) -> str | None:
    """``image`` / ``behaviour`` / ``discipline`` for any of their spellings, else None."""
    return _DIMENSION_ALIASES.get(text.strip().lower()) or _DIMENSION_ALIASES.get(text.strip())


@dataclass(frozen=True)
class Hall:
    code: str
    name: str
    tz: str = DEFAULT_TZ


@dataclass(frozen=True)
class Category:
    code: str
    name: str


@dataclass(frozen=True)
class Unit:
    code: str
    name: str
    category: str


@dataclass(frozen=True)
class Section:
    """A section (科室) of a unit: the office the public review rates."""

    code: str
    name: str
    unit: str
    note: str | None = None


@dataclass(frozen=True)
class Window:
    code: str
    name: str
    unit: str
    category: str
    section: str | None = None


@dataclass(frozen=True)
class Staff:
    code: str
    name: str
    unit: str
    windows: tuple[str, ...]
    photo: str | None = None
    section: str | None = None


@dataclass(frozen=True)
class Reason:
    code: str
    name: str
    description: str


@dataclass(frozen=True)
class InspectionItem:
    """Something an inspector can record, with its dimension and default points."""

    code: str
    name: str
    dimension: str  # image / behaviour / discipline
    points: float  # negative: a deduction; positive: a bonus


@dataclass(frozen=True)
class Problem:
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}, column {self.column}: {self.message}"


class RosterError(ValueError):
    """A roster file that cannot be applied; ``problems`` lists every bad row."""

    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.source = source
        self.problems = problems
        lines = "\n".join(f"  {source}: {p}" for p in problems[:20])
        more = f"\n  … and {len(problems) - 20} more" if len(problems) > 20 else ""
        super().__init__(f"roster {source} refused, nothing applied:\n{lines}{more}")


@dataclass
class Roster:
    """One hall's roster. Hours map a weekday (0 = Monday) to (open, close) local times."""

    hall: Hall
    categories: dict[str, Category] = field(default_factory=dict)
    units: dict[str, Unit] = field(default_factory=dict)
    sections: dict[str, Section] = field(default_factory=dict)
    windows: dict[str, Window] = field(default_factory=dict)
    staff: dict[str, Staff] = field(default_factory=dict)
    reasons: dict[str, Reason] = field(default_factory=dict)
    hours: dict[int, tuple[time, time]] = field(default_factory=dict)
    settings: dict[str, str] = field(default_factory=dict)
    items: dict[str, InspectionItem] = field(default_factory=dict)
    closures: dict[date, str] = field(default_factory=dict)  # day -> why the hall is shut
    # The official arrangement for years the calendar package lacks: day -> what it is.
    holidays: dict[date, str] = field(default_factory=dict)
    workdays: dict[date, str] = field(default_factory=dict)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.hall.tz)

    def staff_at(self, window: str) -> list[Staff]:
        return [s for s in self.staff.values() if window in s.windows]

    def section_for(self, window: str, staff: str | None = None) -> str | None:
        """The section a rating made now counts for: the staff member's, else the window's."""
        person = self.staff.get(staff) if staff else None
        if person is not None and person.section:
            return person.section
        w = self.windows.get(window)
        return w.section if w is not None else None

    @property
    def combined_categories(self) -> frozenset[str]:
        """Categories whose windows are combined (无差别综合窗口): setting ``combined_categories``."""
        return frozenset(_codes(self.settings.get(COMBINED_CATEGORIES, "")))

    def served_units(self, window: str) -> frozenset[str]:
        """The units a rating at ``window`` may name (see the module docstring)."""
        w = self.windows[window]
        units = {w.unit} | {s.unit for s in self.staff_at(window)}
        if w.category in self.combined_categories:
            units |= {u.code for u in self.units.values() if u.category == w.category}
            units |= {s.unit for s in self._staff_of_category(w.category)}
        return frozenset(units)

    def served_staff(self, window: str) -> frozenset[str]:
        """The staff (工号) a rating at ``window`` may name (see the module docstring)."""
        w = self.windows[window]
        staff = {s.code for s in self.staff_at(window)}
        if w.category in self.combined_categories:
            staff |= {s.code for s in self._staff_of_category(w.category)}
        return frozenset(staff)

    def _staff_of_category(self, category: str) -> list[Staff]:
        windows = {w.code for w in self.windows.values() if w.category == category}
        return [s for s in self.staff.values() if windows.intersection(s.windows)]

    def is_open(self, weekday: int, at: time) -> bool:
        span = self.hours.get(weekday)
        return span is not None and span[0] <= at < span[1]

    def for_window(self, window: str) -> Roster:
        """The part of the roster one terminal needs: its window, units, staff, reasons."""
        w = self.windows[window]
        staff = {k: s for k, s in self.staff.items() if window in s.windows}
        unit_codes = {w.unit} | {s.unit for s in staff.values()}
        units = {k: u for k, u in self.units.items() if k in unit_codes}
        cats = {
            k: c
            for k, c in self.categories.items()
            if k == w.category or k in {u.category for u in units.values()}
        }
        section_codes = {w.section} | {s.section for s in staff.values()}
        sections = {k: x for k, x in self.sections.items() if k in section_codes}
        return Roster(
            hall=self.hall,
            categories=cats,
            units=units,
            sections=sections,
            windows={window: w},
            staff=staff,
            reasons=dict(self.reasons),
            hours=dict(self.hours),
            settings=dict(self.settings),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "hall": asdict(self.hall),
            "categories": [asdict(c) for c in self.categories.values()],
            "units": [asdict(u) for u in self.units.values()],
            "sections": [asdict(x) for x in self.sections.values()],
            "windows": [asdict(w) for w in self.windows.values()],
            "staff": [asdict(s) | {"windows": list(s.windows)} for s in self.staff.values()],
            "reasons": [asdict(r) for r in self.reasons.values()],
            "hours": {
                WEEKDAYS[d]: f"{o.strftime('%H:%M')}-{c.strftime('%H:%M')}"
                for d, (o, c) in sorted(self.hours.items())
            },
            "settings": dict(self.settings),
            "items": [asdict(i) for i in self.items.values()],
            "closures": {d.isoformat(): why for d, why in sorted(self.closures.items())},
            "holidays": {d.isoformat(): why for d, why in sorted(self.holidays.items())},
            "workdays": {d.isoformat(): why for d, why in sorted(self.workdays.items())},
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Roster:
        return cls(
            hall=Hall(**d["hall"]),
            categories={c["code"]: Category(**c) for c in d.get("categories", [])},
            units={u["code"]: Unit(**u) for u in d.get("units", [])},
            sections={x["code"]: Section(**x) for x in d.get("sections", [])},
            windows={w["code"]: Window(**w) for w in d.get("windows", [])},
            staff={
                s["code"]: Staff(**(s | {"windows": tuple(s["windows"])}))
                for s in d.get("staff", [])
            },
            reasons={r["code"]: Reason(**r) for r in d.get("reasons", [])},
            hours={WEEKDAYS.index(k): _span(v) for k, v in d.get("hours", {}).items()},
            settings=dict(d.get("settings", {})),
            items={i["code"]: InspectionItem(**i) for i in d.get("items", [])},
            closures={date.fromisoformat(k): v for k, v in d.get("closures", {}).items()},
            holidays={date.fromisoformat(k): v for k, v in d.get("holidays", {}).items()},
            workdays={date.fromisoformat(k): v for k, v in d.get("workdays", {}).items()},
        )

    def to_csv(self) -> str:
        """The roster as the CSV an office edits (round-trips through ``parse_roster``)."""
        out = io.StringIO()
        # The section column only when the roster has sections: older files stay as they were.
        wide = bool(self.sections)
        w = csv.writer(out, lineterminator="\n")

        def row(*cells: str, section: str | None = None) -> None:
            w.writerow([*cells, section or ""] if wide else cells)

        row(*COLUMNS, section="section")
        h = self.hall
        row("hall", h.code, h.name, "", h.tz, "")
        for d, (o, c) in sorted(self.hours.items()):
            row("hours", WEEKDAYS[d], "", "", f"{o:%H:%M}-{c:%H:%M}", "")
        for k, v in self.settings.items():
            row("setting", k, "", "", v, "")
        for cat in self.categories.values():
            row("category", cat.code, cat.name, "", "", "")
        for u in self.units.values():
            row("unit", u.code, u.name, u.category, "", "")
        for x in self.sections.values():
            row("section", x.code, x.name, x.unit, "", x.note or "")
        for win in self.windows.values():
            row("window", win.code, win.name, win.unit, win.category, "", section=win.section)
        for s in self.staff.values():
            row(
                "staff", s.code, s.name, s.unit, ";".join(s.windows), s.photo or "",
                section=s.section,
            )  # fmt: skip
        for r in self.reasons.values():
            row("reason", r.code, r.name, "", r.description, "")
        for i in self.items.values():
            row("item", i.code, i.name, i.dimension, f"{i.points:g}", "")
        for day, why in sorted(self.closures.items()):
            row("closed", day.isoformat(), why, "", "", "")
        for day, why in sorted(self.holidays.items()):
            row("holiday", day.isoformat(), why, "", "", "")
        for day, why in sorted(self.workdays.items()):
            row("workday", day.isoformat(), why, "", "", "")
        return out.getvalue()

    def to_xlsx(self) -> bytes:
        """The roster as an XLSX workbook an office edits (round-trips through ``parse_roster``).

        The same rows as ``to_csv``; every cell is text (a staff number ``007`` stays ``007``,
        a name beginning with ``=`` stays a name); the header row is frozen.
        """
        from openpyxl import Workbook  # only an office file needs it

        wb = Workbook()
        ws = wb.active
        assert ws is not None
        ws.title = "roster"
        for row in csv.reader(io.StringIO(self.to_csv())):
            ws.append(row)
        for cells in ws.iter_rows():
            for cell in cells:
                cell.number_format = "@"
                if cell.data_type == "f":
                    cell.data_type = "s"
        ws.freeze_panes = "A2"
        for letter, width in zip("ABCDEF", (10, 14, 36, 12, 24, 20), strict=True):
            ws.column_dimensions[letter].width = width
        out = io.BytesIO()
        wb.save(out)
        return out.getvalue()


def parse_roster(path: Path | str) -> Roster:
    """Read and validate a roster file (``.csv`` or ``.xlsx``); raise ``RosterError`` if bad."""
    path = Path(path)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        rows = list(_xlsx_rows(path))
    else:
        try:
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as e:
            raise RosterError(
                path.name, [Problem(1, "-", f"not UTF-8 text ({e.reason}); save as CSV UTF-8")]
            ) from None
        rows = list(enumerate(csv.reader(io.StringIO(text)), start=1))
    return parse_rows(rows, source=path.name)


def parse_roster_bytes(data: bytes, filename: str = "roster.csv") -> Roster:
    """Like ``parse_roster`` for an upload's bytes; XLSX if the name says so or the bytes are a zip."""
    name = Path(filename).name or "roster.csv"
    return parse_rows(table_rows(data, name), source=name)


def table_rows(data: bytes, filename: str) -> list[tuple[int, list[str]]]:
    """An office table's (line number, cells) rows from CSV (UTF-8) or XLSX (first sheet) bytes;
    ``RosterError`` (line 1) for a file that cannot be read as either."""
    name = Path(filename).name or "table.csv"
    if Path(name).suffix.lower() in (".xlsx", ".xlsm") or data[:4] == b"PK\x03\x04":
        return list(_xlsx_rows(io.BytesIO(data), name))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise RosterError(
            name, [Problem(1, "-", f"not UTF-8 text ({e.reason}); save as CSV UTF-8")]
        ) from None
    try:
        return list(enumerate(csv.reader(io.StringIO(text)), start=1))
    except csv.Error as e:
        raise RosterError(name, [Problem(1, "-", f"not a readable CSV file: {e}")]) from None


def parse_rows(rows: Iterable[tuple[int, list[str]]], source: str = "roster") -> Roster:
    """Validate (line number, cells) rows; the first non-empty row is the header."""
    it = iter(rows)
    columns = _Columns.from_header(it, source)
    build = _RosterBuilder()
    for line, cells in it:
        if any(c.strip() for c in cells):
            build.add(line, *columns.read(cells))
    return build.finish(source)


@dataclass(frozen=True)
class _Columns:
    """Where the roster's columns are in this file (the header may order them freely)."""

    idx: dict[str, int]
    section: int | None

    @classmethod
    def from_header(cls, it: Iterator[tuple[int, list[str]]], source: str) -> _Columns:
        """Read up to the first non-empty row, the header; RosterError if it lacks a column."""
        for _, cells in it:
            if any(c.strip() for c in cells):
                header = [c.strip().lower() for c in cells]
                break
        else:
            raise RosterError(source, [Problem(1, "-", "the file is empty")])
        missing = [c for c in COLUMNS if c not in header]
        if missing:
            raise RosterError(source, [Problem(1, ",".join(missing), "header lacks these columns")])
        return cls(
            {c: header.index(c) for c in COLUMNS},
            header.index("section") if "section" in header else None,
        )

    def read(self, cells: list[str]) -> tuple[str, str, str, str, str, str, str]:
        """kind (lower case), code, name, parent, detail, note, section; missing cells empty."""
        kind, code, name, parent, detail, note = (
            cells[self.idx[c]].strip() if self.idx[c] < len(cells) else "" for c in COLUMNS
        )
        s = self.section
        section = cells[s].strip() if s is not None and s < len(cells) else ""
        return kind.lower(), code, name, parent, detail, note, section


class _RosterBuilder:
    """The roster as its rows arrive, with every problem found on the way (all are reported
    together, by line); references between rows are checked at the end."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.seen: dict[tuple[str, str], int] = {}
        self.hall: Hall | None = None
        self.r = Roster(hall=Hall("", ""))
        self.refs: list[tuple[int, str, str, str]] = []  # line, column, kind, code
        self.section_refs: list[tuple[int, str, str]] = []  # line, section code, the row's unit

    def bad(self, line: int, col: str, msg: str) -> None:
        self.problems.append(Problem(line, col, msg))

    def add(
        self,
        line: int,
        kind: str,
        code: str,
        name: str,
        parent: str,
        detail: str,
        note: str,
        section: str,
    ) -> None:
        """One row: checks every kind shares, then what its kind adds to the roster."""
        if kind not in KINDS:
            self.bad(line, "kind", f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}")
            return
        if not code:
            self.bad(line, "code", f"a {kind} needs a code")
            return
        cell_problems = _cell_problems(
            {
                "code": code,
                "name": name,
                "parent": parent,
                "detail": detail,
                "note": note,
                "section": section,
            }
        )
        if cell_problems:
            self.problems.extend(Problem(line, col, msg) for col, msg in cell_problems)
            return
        if (kind, code) in self.seen:
            self.bad(
                line, "code", f"{kind} {code!r} already defined on line {self.seen[(kind, code)]}"
            )
            return
        self.seen[(kind, code)] = line
        if section and kind not in ("window", "staff"):
            self.bad(line, "section", f"only windows and staff name a section, not a {kind}")
            return
        if kind not in ("hours", "setting") and not name:
            self.bad(line, "name", f"{kind} {code!r} needs a name")
            return
        self._add_kind(line, kind, code, name, parent, detail, note, section)

    def _add_kind(
        self,
        line: int,
        kind: str,
        code: str,
        name: str,
        parent: str,
        detail: str,
        note: str,
        section: str,
    ) -> None:
        r = self.r
        if kind == "hall":
            self._hall(line, code, name, detail)
        elif kind == "hours":
            self._hours(line, code, detail)
        elif kind == "setting":
            r.settings[code] = detail
            if code == COMBINED_CATEGORIES:
                for cat in _codes(detail):
                    self.refs.append((line, "detail", "category", cat))
        elif kind == "category":
            r.categories[code] = Category(code, name)
        elif kind == "unit":
            r.units[code] = Unit(code, name, parent)
            self.refs.append((line, "parent", "category", parent))
        elif kind == "section":
            r.sections[code] = Section(code, name, parent, note or None)
            self.refs.append((line, "parent", "unit", parent))
        elif kind == "window":
            r.windows[code] = Window(code, name, parent, detail, section or None)
            self.refs.append((line, "parent", "unit", parent))
            self.refs.append((line, "detail", "category", detail))
            if section:
                self.section_refs.append((line, section, parent))
        elif kind == "staff":
            wins = tuple(_codes(detail))
            r.staff[code] = Staff(code, name, parent, wins, note or None, section or None)
            self.refs.append((line, "parent", "unit", parent))
            if section:
                self.section_refs.append((line, section, parent))
            for w in wins:
                self.refs.append((line, "detail", "window", w))
        elif kind == "reason":
            r.reasons[code] = Reason(code, name, detail)
        elif kind == "item":
            self._item(line, code, name, parent, detail)
        elif kind in ("closed", "holiday", "workday"):
            self._day(line, kind, code, name)

    def _item(self, line: int, code: str, name: str, parent: str, detail: str) -> None:
        dim = dimension_of(parent)
        if dim is None:
            self.bad(
                line, "parent", f"item {code!r} needs a dimension: image, behaviour or discipline"
            )
            return
        try:
            points = float(detail)
        except ValueError:
            self.bad(
                line, "detail", f"item {code!r} needs default points like -2 or 1, got {detail!r}"
            )
            return
        if not -100 <= points <= 100:  # also refuses nan
            self.bad(line, "detail", f"item {code!r}: points must lie between -100 and 100")
            return
        self.r.items[code] = InspectionItem(code, name, dim, points)

    def _day(self, line: int, kind: str, code: str, name: str) -> None:
        """A ``closed``, ``holiday`` or ``workday`` row: one date, and what it is."""
        try:
            # Excel turns a typed date into a date cell: "2026-11-16 00:00:00" when read.
            day = date.fromisoformat(code.split(" ")[0].split("T")[0])
        except ValueError:
            self.bad(line, "code", f"a {kind} day is a date like 2026-11-16, got {code!r}")
            return
        days = {"closed": self.r.closures, "holiday": self.r.holidays, "workday": self.r.workdays}
        other = "workday" if kind == "holiday" else "holiday" if kind == "workday" else None
        if other is not None and day in days[other]:
            self.bad(line, "code", f"{day} is both a holiday and a make-up workday")
            return
        days[kind][day] = name

    def _hall(self, line: int, code: str, name: str, detail: str) -> None:
        if self.hall is not None:
            self.bad(line, "kind", "only one hall per roster file")
            return
        tz = detail or DEFAULT_TZ
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            self.bad(line, "detail", f"unknown time zone {tz!r} (e.g. {DEFAULT_TZ})")
            return
        self.hall = Hall(code, name, tz)

    def _hours(self, line: int, code: str, detail: str) -> None:
        if code.lower() not in WEEKDAYS:
            self.bad(line, "code", f"hours need a weekday ({', '.join(WEEKDAYS)}), got {code!r}")
            return
        if detail:
            try:
                self.r.hours[WEEKDAYS.index(code.lower())] = _span(detail)
            except ValueError as e:
                self.bad(line, "detail", str(e))

    def finish(self, source: str) -> Roster:
        """Check the references between rows; the roster, or RosterError with every problem."""
        for line, col, kind, code in self.refs:
            if not code:
                self.bad(line, col, f"needs a {kind} code")
            elif (kind, code) not in self.seen:
                self.bad(line, col, f"no {kind} with code {code!r} in this file")
        for line, code, unit in self.section_refs:
            found = self.r.sections.get(code)
            if found is None:
                self.bad(line, "section", f"no section with code {code!r} in this file")
            elif found.unit != unit:
                self.bad(
                    line,
                    "section",
                    f"section {code!r} belongs to unit {found.unit!r}, not to {unit!r}",
                )
        if self.hall is None:
            self.bad(1, "kind", "no hall row (kind=hall, code, name, detail=time zone)")
        if self.problems:
            self.problems.sort(key=lambda p: p.line)
            raise RosterError(source, self.problems)
        assert self.hall is not None
        self.r.hall = self.hall
        return self.r


# What the API can address and the store can keep: a code is what the API's code pattern takes
# (sync.server.schemas.CODE_PATTERN: 1-64 characters, no space, no control character, no "/");
# other cells fit their columns and hold no control character (PostgreSQL refuses a NUL).
CODE = re.compile(r"[^\x00-\x20\x7f/]{1,64}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_LIMITS = {"code": 64, "name": 200, "parent": 64, "detail": 500, "note": 500, "section": 64}


def _cell_problems(cells: dict[str, str]) -> list[tuple[str, str]]:
    """(column, message) for each cell the store could not keep or the API could not address."""
    out: list[tuple[str, str]] = []
    for column, value in cells.items():
        if _CONTROL.search(value):
            out.append((column, "contains a control character (e.g. a NUL or a line break)"))
        elif len(value) > _LIMITS[column]:
            out.append((column, f"is {len(value)} characters long; at most {_LIMITS[column]}"))
        elif column == "code" and not CODE.fullmatch(value):
            out.append(
                (
                    column,
                    f"code {value!r} may not contain spaces or '/' (the API could not name it)",
                )
            )
    return out


def _codes(text: str) -> list[str]:
    """Codes in a cell separated by ``;`` (or the full-width ``；``)."""
    return [c.strip() for c in text.replace("；", ";").split(";") if c.strip()]


def _span(text: str) -> tuple[time, time]:
    try:
        a, b = (time.fromisoformat(p.strip()) for p in text.replace("–", "-").split("-"))
    except ValueError:
        raise ValueError(f"opening hours must look like 08:20-17:30, got {text!r}") from None
    if not a < b:
        raise ValueError(f"opening hours {text!r} close before they open")
    return a, b


def _xlsx_rows(path: Path | IO[bytes], name: str | None = None) -> Iterator[tuple[int, list[str]]]:
    from openpyxl import load_workbook  # only an office file needs it

    source = name or (path.name if isinstance(path, Path) else "roster.xlsx")
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
        ws = wb.worksheets[0]
        rows = list(ws.iter_rows(values_only=True))
        wb.close()
    except Exception as e:  # openpyxl raises many types for a broken file
        raise RosterError(source, [Problem(1, "-", f"not a readable XLSX file: {e}")]) from None
    for n, row in enumerate(rows, start=1):
        yield n, ["" if v is None else str(v) for v in row]
