"""The office's records of the quarter, as the export shows them.

``OfficeRecords`` holds what the store answers for a hall's quarter (``sync.client``'s office
methods: 差评 cases with their deadlines and steps, inspections, verified misconduct, appeals,
flagged ratings with the office's decisions), read once before the ratings stream. The
per-rating look-ups (a rating's case, its appeal, its flag decision) are dicts by rating id:
a quarter has a handful of 差评 per unit, so they stay small whatever the number of ratings.

``follow_up(cases)`` gives each unit's on-time rates for the 差评 follow-up — call back within
the hall's working-day limit, rectify within its limit — as the report prints them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "APPEAL_WORDS",
    "CASE_WORDS",
    "FLAG_DECISION_WORDS",
    "STEP_WORDS",
    "FollowUp",
    "OfficeRecords",
    "appeal_words",
    "case_words",
    "follow_up",
    "is_late",
]

CASE_WORDS = {"new": "待回访", "called_back": "已回访", "rectified": "已整改", "closed": "已办结"}
STEP_WORDS = {"called_back": "回访", "rectified": "整改", "closed": "办结"}
APPEAL_WORDS = {"pending": "申诉中", "accepted": "申诉成立，不计分", "rejected": "申诉驳回"}
FLAG_DECISION_WORDS = {
    "pending": "待处理，不计分",
    "released": "已放行，计分",
    "excluded": "确认不计分",
}


@dataclass(frozen=True)
class OfficeRecords:
    """A hall's quarter of office records, each a list of the API's JSON objects."""

    cases: Sequence[Mapping[str, Any]] = ()
    inspections: Sequence[Mapping[str, Any]] = ()
    misconduct: Sequence[Mapping[str, Any]] = ()
    appeals: Sequence[Mapping[str, Any]] = ()
    flagged: Sequence[Mapping[str, Any]] = ()
    case_of: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    appeal_of: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    flag_of: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    @classmethod
    def of(
        cls,
        cases: Sequence[Mapping[str, Any]],
        inspections: Sequence[Mapping[str, Any]],
        misconduct: Sequence[Mapping[str, Any]],
        appeals: Sequence[Mapping[str, Any]],
        flagged: Sequence[Mapping[str, Any]],
    ) -> OfficeRecords:
        return cls(
            cases=cases,
            inspections=inspections,
            misconduct=misconduct,
            appeals=appeals,
            flagged=flagged,
            case_of={c["rating"]: c for c in cases},
            # The latest appeal of a rating decides (a rejected one may be followed by another).
            appeal_of={a["rating"]: a for a in sorted(appeals, key=lambda a: a["filed_at"])},
            flag_of={f["id"]: f for f in flagged},
        )


def is_late(case: Mapping[str, Any]) -> bool:
    """A step done after its due date, or one past its due date and not done."""
    return bool(case.get("overdue")) or any(s.get("late") for s in case.get("steps", ()))


def case_words(case: Mapping[str, Any] | None) -> str:
    """``已回访（超期）`` …: the case's state in the office's words, late marked."""
    if case is None:
        return ""
    status = str(case["status"])
    words = CASE_WORDS.get(status, status)
    return f"{words}（超期）" if is_late(case) else words


def appeal_words(appeal: Mapping[str, Any] | None) -> str:
    if appeal is None:
        return ""
    status = str(appeal["status"])
    return APPEAL_WORDS.get(status, status)


@dataclass
class FollowUp:
    """One unit's 差评 follow-up: cases, and per step how many were due and done on time."""

    cases: int = 0
    callback_due: int = 0
    callback_on_time: int = 0
    rectify_due: int = 0
    rectify_on_time: int = 0
    late_cases: int = 0

    @staticmethod
    def rate(on_time: int, due: int) -> float | None:
        return on_time / due if due else None


def _step(case: Mapping[str, Any], step: str) -> Mapping[str, Any] | None:
    return next((s for s in case.get("steps", ()) if s["step"] == step), None)


def follow_up(cases: Sequence[Mapping[str, Any]]) -> dict[str, FollowUp]:
    """Per unit: a step counts as due once it is done or its date has passed (``overdue``);
    it is on time when it was done by its due date. Steps not yet due are left out, and so is
    the call-back of a case whose citizen left no number."""
    out: dict[str, FollowUp] = {}
    for c in cases:
        f = out.setdefault(c["unit"], FollowUp())
        f.cases += 1
        f.late_cases += is_late(c)
        for step, due_key, due_attr, ok_attr in (
            ("called_back", "callback_due", "callback_due", "callback_on_time"),
            ("rectified", "rectify_due", "rectify_due", "rectify_on_time"),
        ):
            if c.get(due_key) is None:
                continue
            done = _step(c, step)
            if done is None and step not in c.get("overdue", ()):
                continue  # not done, not yet due
            setattr(f, due_attr, getattr(f, due_attr) + 1)
            if done is not None and not done.get("late"):
                setattr(f, ok_attr, getattr(f, ok_attr) + 1)
    return out
