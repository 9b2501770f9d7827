"""A hall's quarter for the board, read from the rollups (cost: units × weeks, not ratings)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, func, select

from sync.schema import BUILTIN_REASONS, quarter_of
from sync.server import models as m

__all__ = ["build_aggregates", "current_quarter", "previous_quarter"]


def current_quarter(tz: str, now: datetime) -> str:
    """The quarter ``now`` falls in, reckoned in the hall's zone."""
    return quarter_of(now.astimezone(ZoneInfo(tz)))


def previous_quarter(quarter: str) -> str:
    year, q = int(quarter[:4]), int(quarter[5])
    return f"{year - 1}Q4" if q == 1 else f"{year}Q{q - 1}"


def build_aggregates(session: Session, hall: m.Hall, quarter: str, now: datetime) -> dict[str, Any]:
    """The answer of ``GET /halls/{hall}/aggregates`` (shape in docs/design.md)."""

    def roster(table: Any) -> list[Any]:
        return list(
            session.exec(
                select(table).where(table.hall == hall.code).order_by(table.pos, table.code)
            )
        )

    reasons: dict[str, dict[str, str]] = {
        code: {"code": code, "name": char, "description": zh}
        for code, (char, zh, _en) in BUILTIN_REASONS.items()
    }
    for r in roster(m.Reason):
        reasons[r.code] = {"code": r.code, "name": r.name, "description": r.description}

    cells: dict[tuple[str, Any, int], dict[str, Any]] = {}
    level_rows = session.exec(
        select(m.LevelCount).where(m.LevelCount.hall == hall.code, m.LevelCount.quarter == quarter)
    )
    for row in level_rows:
        key = (row.unit, row.week, row.level)
        cell = cells.setdefault(
            key,
            {
                "unit": row.unit,
                "week": row.week.isoformat(),
                "level": row.level,
                "n": 0,
                "flagged": 0,
            },
        )
        cell["flagged" if row.flagged else "n"] += row.n
    reason_rows = session.exec(
        select(m.ReasonCount).where(
            m.ReasonCount.hall == hall.code, m.ReasonCount.quarter == quarter
        )
    )
    reason_counts = sorted(
        (
            {"unit": r.unit, "week": r.week.isoformat(), "reason": r.reason, "n": r.n}
            for r in reason_rows
            if r.n
        ),
        key=lambda d: (d["unit"], d["week"], d["reason"]),
    )
    return {
        "hall": {"code": hall.code, "name": hall.name, "tz": hall.tz},
        "quarter": quarter,
        "settings": dict(hall.settings),
        "generated_at": now.isoformat(),
        "categories": [{"code": c.code, "name": c.name} for c in roster(m.Category)],
        "units": [{"code": u.code, "name": u.name, "category": u.category} for u in roster(m.Unit)],
        "reasons": list(reasons.values()),
        "counts": [cells[k] for k in sorted(cells) if cells[k]["n"] or cells[k]["flagged"]],
        "reason_counts": reason_counts,
        # Inspections and verified misconduct arrive with the admin console; none recorded yet.
        "inspections": [],
        "misconduct": [],
        "prior_mean": prior_mean(session, hall.code, previous_quarter(quarter)),
    }


def prior_mean(session: Session, hall: str, quarter: str) -> float | None:
    """The hall's mean points (20 × level) over a quarter's scored ratings, or None if none."""
    stmt = (
        select(m.LevelCount.level, func.sum(m.LevelCount.n))
        .where(
            m.LevelCount.hall == hall,
            m.LevelCount.quarter == quarter,
            col(m.LevelCount.flagged).is_(False),
        )
        .group_by(col(m.LevelCount.level))
    )
    total = points = 0
    for level, n in session.exec(stmt):
        total += int(n or 0)
        points += 20 * level * int(n or 0)
    return round(points / total, 4) if total else None
