"""A hall's roster in the store: apply an imported file, read it back as a ``Roster``.

An imported file is the hall's whole roster: what it lists is created or updated, what it no
longer lists (a unit that moved out, a staff member who left) is removed — all in the caller's
one transaction, so a failure leaves the previous roster untouched. Ratings are never touched.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from sqlalchemy import delete
from sqlmodel import Session, SQLModel, col, select

from sync.roster import WEEKDAYS, Roster
from sync.server import models as m
from sync.server.core.types import utcnow

__all__ = ["apply_roster", "load_roster"]

_KINDS: list[tuple[str, type[SQLModel]]] = [
    ("categories", m.Category),
    ("units", m.Unit),
    ("sections", m.Section),
    ("windows", m.Window),
    ("staff", m.Staff),
    ("reasons", m.Reason),
    ("items", m.InspectionItem),
]


def apply_roster(session: Session, roster: Roster) -> dict[str, Any]:
    """Create or update ``roster.hall`` and everything in it; answer counts per kind."""
    h = roster.hall
    hall = session.get(m.Hall, h.code)
    created = hall is None
    if hall is None:
        hall = m.Hall(code=h.code, name=h.name, tz=h.tz)
    hall.name, hall.tz = h.name, h.tz
    hall.hours = {
        WEEKDAYS[d]: f"{o.strftime('%H:%M')}-{c.strftime('%H:%M')}"
        for d, (o, c) in sorted(roster.hours.items())
    }
    hall.settings = dict(roster.settings)
    hall.closures = {d.isoformat(): why for d, why in sorted(roster.closures.items())}
    hall.holidays = {d.isoformat(): why for d, why in sorted(roster.holidays.items())}
    hall.workdays = {d.isoformat(): why for d, why in sorted(roster.workdays.items())}
    hall.data_version += 1
    hall.updated_at = utcnow()
    session.add(hall)
    session.flush()

    wanted: dict[str, list[dict[str, Any]]] = {
        "categories": [asdict(c) for c in roster.categories.values()],
        "units": [asdict(u) for u in roster.units.values()],
        "sections": [asdict(x) for x in roster.sections.values()],
        "windows": [asdict(w) for w in roster.windows.values()],
        "staff": [asdict(s) | {"windows": list(s.windows)} for s in roster.staff.values()],
        "reasons": [asdict(r) for r in roster.reasons.values()],
        "items": [asdict(i) for i in roster.items.values()],
    }
    summary: dict[str, Any] = {"hall": h.code, "name": h.name, "tz": h.tz, "hall_created": created}
    for kind, table in _KINDS:
        existing = {
            row.code: row  # type: ignore[attr-defined]
            for row in session.exec(select(table).where(col(table.hall) == h.code))  # type: ignore[attr-defined]
        }
        rows = wanted[kind]
        codes = {r["code"] for r in rows}
        added = updated = 0
        for pos, data in enumerate(rows):
            data["pos"] = pos
            row = existing.get(data["code"])
            if row is None:
                session.add(table(hall=h.code, **data))
                added += 1
            else:
                changed = False
                for k, v in data.items():
                    if getattr(row, k) != v:
                        setattr(row, k, v)
                        changed = changed or k != "pos"  # a moved row is not a changed one
                updated += changed
        gone = [c for c in existing if c not in codes]
        if gone:
            t: Any = table
            session.execute(delete(t).where(col(t.hall) == h.code, col(t.code).in_(gone)))
        summary[kind] = {
            "total": len(rows),
            "added": added,
            "updated": updated,
            "removed": len(gone),
        }
    summary["closures"] = len(roster.closures)
    summary["holidays"] = len(roster.holidays)
    summary["workdays"] = len(roster.workdays)
    session.flush()
    return summary


def load_roster(session: Session, hall_code: str) -> Roster | None:
    """The hall's roster as the kiosk and the file know it, or None for an unknown hall."""
    hall = session.get(m.Hall, hall_code)
    if hall is None:
        return None

    def rows(table: Any) -> list[dict[str, Any]]:
        stmt = select(table).where(table.hall == hall_code).order_by(table.pos, table.code)
        return [r.model_dump(exclude={"hall", "pos"}) for r in session.exec(stmt)]

    return Roster.from_dict(
        {
            "hall": {"code": hall.code, "name": hall.name, "tz": hall.tz},
            "categories": rows(m.Category),
            "units": rows(m.Unit),
            "sections": rows(m.Section),
            "windows": rows(m.Window),
            "staff": rows(m.Staff),
            "reasons": rows(m.Reason),
            "hours": dict(hall.hours),
            "settings": dict(hall.settings),
            "items": rows(m.InspectionItem),
            "closures": dict(hall.closures),
            "holidays": dict(hall.holidays),
            "workdays": dict(hall.workdays),
        }
    )
