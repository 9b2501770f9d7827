"""A hall's quarter for the board, read from the rollups (cost: units × weeks, not ratings)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, func, select

from sync.quarter import Quarter
from sync.schema import BUILTIN_REASONS
from sync.server import models as m
from sync.server.inspections import aggregate_inspections, aggregate_misconduct
from sync.server.reviews import review_for_aggregates

__all__ = ["build_aggregates", "current_quarter", "data_stamp"]


def current_quarter(tz: str, now: datetime) -> str:
    """The quarter ``now`` falls in, reckoned in the hall's zone."""
    return str(Quarter.at(now, tz))


def data_stamp(session: Session, hall: m.Hall, quarter: str) -> list[Any]:
    """What the quarter's aggregates depend on, for the ETag: the hall's ``data_version``
    (roster imports, released ratings) and the number of ratings in the quarter and the one
    before it (the prior mean).

    Ingest only ever adds ratings, and every stored rating adds 1 to one ``rollup_level`` row
    of its quarter in the same transaction, so these sums change with every stored rating
    without ingest taking a per-hall lock; anything else that changes what the board sees
    bumps ``data_version``. One index range over the two quarters' rollup rows (units × weeks).
    """
    L = m.LevelCount
    before = str(Quarter.parse(quarter).previous())
    rows = session.execute(
        select(L.quarter, func.sum(L.n))
        .where(L.hall == hall.code, col(L.quarter).in_([quarter, before]))
        .group_by(col(L.quarter))
    )
    sums = {q: int(n or 0) for q, n in rows}
    return [hall.data_version, sums.get(quarter, 0), sums.get(before, 0)]


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
    cells = _level_counts(session, hall.code, quarter)
    reason_counts = _reason_counts(session, hall.code, quarter)
    section_cells = _section_counts(session, hall.code, quarter)
    section_reasons = _section_reason_counts(session, hall.code, quarter)
    misconduct = aggregate_misconduct(session, hall.code, quarter)
    return {
        "hall": {"code": hall.code, "name": hall.name, "tz": hall.tz},
        "quarter": quarter,
        "settings": dict(hall.settings),
        "generated_at": now.isoformat(),
        "categories": [{"code": c.code, "name": c.name} for c in roster(m.Category)],
        "units": [{"code": u.code, "name": u.name, "category": u.category} for u in roster(m.Unit)],
        "sections": [{"code": x.code, "name": x.name, "unit": x.unit} for x in roster(m.Section)],
        "reasons": list(reasons.values()),
        "counts": [cells[k] for k in sorted(cells) if cells[k]["n"] or cells[k]["flagged"]],
        "reason_counts": reason_counts,
        "section_counts": [
            section_cells[k]
            for k in sorted(section_cells)
            if section_cells[k]["n"] or section_cells[k]["flagged"]
        ],
        "section_reason_counts": section_reasons,
        "inspections": aggregate_inspections(session, hall.code, quarter),
        "misconduct": sorted({x["unit"] for x in misconduct}),
        "misconduct_records": misconduct,
        "appealed": appealed_counts(session, hall.code, quarter),
        "review": review_for_aggregates(session, hall.code, quarter),
        # A misconduct record that names a section puts that section first (board.hardest).
        "section_misconduct": sorted({x["section"] for x in misconduct if x["section"]}),
        "prior_mean": prior_mean(session, hall.code, str(Quarter.parse(quarter).previous())),
    }


# Plain column tuples, not ORM entities: a full quarter holds thousands of rollup rows, and
# building an entity per row cost ~5x the query itself (tests/bench/bench_board.py).


def _level_counts(
    session: Session, hall: str, quarter: str
) -> dict[tuple[str, Any, int], dict[str, Any]]:
    """Ratings per unit × week × level, scored (``n``) and flagged apart."""
    L = m.LevelCount
    cells: dict[tuple[str, Any, int], dict[str, Any]] = {}
    level_cols: tuple[Any, ...] = (L.unit, L.week, L.level, L.flagged, L.n)
    for unit, week, level, flagged, n in session.execute(
        select(*level_cols).where(L.hall == hall, L.quarter == quarter)
    ):
        cell = cells.setdefault(
            (unit, week, level),
            {"unit": unit, "week": week.isoformat(), "level": level, "n": 0, "flagged": 0},
        )
        cell["flagged" if flagged else "n"] += n
    return cells


def _reason_counts(session: Session, hall: str, quarter: str) -> list[dict[str, Any]]:
    """Reasons cited by scored 差评, per unit × week."""
    R = m.ReasonCount
    reason_cols: tuple[Any, ...] = (R.unit, R.week, R.reason, R.n)
    return sorted(
        (
            {"unit": unit, "week": week.isoformat(), "reason": reason, "n": n}
            for unit, week, reason, n in session.execute(
                select(*reason_cols).where(R.hall == hall, R.quarter == quarter)
            )
            if n
        ),
        key=lambda d: (d["unit"], d["week"], d["reason"]),
    )


def _section_counts(
    session: Session, hall: str, quarter: str
) -> dict[tuple[str, int], dict[str, Any]]:
    """Ratings per section × level, scored and flagged apart."""
    S = m.SectionLevelCount
    cells: dict[tuple[str, int], dict[str, Any]] = {}
    for section, level, flagged, n in session.execute(
        select(S.section, S.level, S.flagged, S.n).where(S.hall == hall, S.quarter == quarter)
    ):
        cell = cells.setdefault(
            (section, level), {"section": section, "level": level, "n": 0, "flagged": 0}
        )
        cell["flagged" if flagged else "n"] += n
    return cells


def _section_reason_counts(session: Session, hall: str, quarter: str) -> list[dict[str, Any]]:
    """Reasons cited by scored 差评, per section."""
    SR = m.SectionReasonCount
    return sorted(
        (
            {"section": section, "reason": reason, "n": n}
            for section, reason, n in session.execute(
                select(SR.section, SR.reason, SR.n).where(SR.hall == hall, SR.quarter == quarter)
            )
            if n
        ),
        key=lambda d: (d["section"], d["reason"]),
    )


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


def appealed_counts(session: Session, hall: str, quarter: str) -> list[dict[str, Any]]:
    """差评 taken out of the scores by an accepted appeal, per unit (they are among the
    ``flagged`` counts, which hold every rating kept but not scored)."""
    # From the appeals (a handful), not the ratings: the aggregates' cost follows the units.
    stmt = (
        select(m.Appeal.unit, func.count())
        .where(m.Appeal.hall == hall, m.Appeal.quarter == quarter, m.Appeal.status == "accepted")
        .group_by(col(m.Appeal.unit))
        .order_by(col(m.Appeal.unit))
    )
    return [{"unit": unit, "n": int(n)} for unit, n in session.exec(stmt)]
