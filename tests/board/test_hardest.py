"""The hardest-sections engine (board.hardest), checked against figures worked out by hand."""

from __future__ import annotations

from typing import Any

import pytest

from board.hardest import HardestSettings, compute_hardest_sections
from board.standings import QuarterOutcome

SECTIONS = {
    "A": ("登记受理科", "BDC"),
    "B": ("营业厅", "GDJ"),
    "C": ("婚姻登记处", "MZJ"),
    "D": ("殡仪馆", "MZJ"),
    "E": ("企业注册科", "SJJ"),
    "F": ("户政科", "GAJ"),
    "G": ("规划许可科", "GHZ"),
    "H": ("用地审批科", "GHZ"),
    "Z": ("报装科", "ZLS"),
}


def aggregates(
    answers: dict[str, tuple[int, int]],
    ratings: dict[str, tuple[int, int]] | None = None,
    *,
    problems: list[tuple[str, str, int]] = (),  # type: ignore[assignment]
    reasons: list[tuple[str, str, int]] = (),  # type: ignore[assignment]
    review_sections: list[str] | None = None,
    misconduct: list[str] = (),  # type: ignore[assignment]
    quarter: str = "2026Q4",
) -> dict[str, Any]:
    """Aggregates with review answers ``{section: (R, P)}`` and ratings ``{section: (N, D)}``
    (D of the N are level 1, the rest level 5)."""
    counts = []
    for code, (n, d) in (ratings or {}).items():
        if d:
            counts.append({"section": code, "level": 1, "n": d, "flagged": 0})
        if n - d:
            counts.append({"section": code, "level": 5, "n": n - d, "flagged": 7})
    return {
        "quarter": quarter,
        "settings": {},
        "categories": [{"code": "X", "name": "无差别综合窗口"}],
        "units": [{"code": u, "name": f"单位{u}", "category": "X"} for _, u in SECTIONS.values()],
        "sections": [{"code": c, "name": n, "unit": u} for c, (n, u) in SECTIONS.items()],
        "reasons": [{"code": "H01", "name": "等候时间太长", "description": ""}],
        "section_counts": counts,
        "section_reason_counts": [{"section": s, "reason": r, "n": n} for s, r, n in reasons],
        "section_misconduct": list(misconduct),
        "review": {
            "id": 7,
            "title": "2026年第四季度最难办事科室群众评",
            "closed": False,
            "sections": review_sections or list(SECTIONS),
            "invitations": 100,
            "responses": 40,
            "answers": [
                {"section": s, "n": r, "with_problems": p} for s, (r, p) in answers.items()
            ],
            "problem_counts": [{"section": s, "problem": p, "n": n} for s, p, n in problems],
        },
    }


CASE = aggregates(
    {"A": (10, 8), "C": (4, 4), "D": (2, 2), "E": (20, 0), "F": (30, 9)},
    {"A": (500, 5), "B": (40, 20), "E": (100, 0)},
)


def test_the_combination_rule_by_hand() -> None:
    r = compute_hardest_sections(CASE)
    assert r is not None
    got = {e.code: e for e in r.hardest}
    # A: 0.7 × 8/(10+5) + 0.3 × 5/(500+20) = 0.7 × 0.533333 + 0.3 × 0.0096154 = 0.376218
    assert got["A"].hardness == pytest.approx(0.376218, abs=1e-6)
    assert got["A"].review_share == pytest.approx(8 / 15)
    assert got["A"].rating_share == pytest.approx(5 / 520)
    # C: 0.7 × 4/(4+5) = 0.311111; F: 0.7 × 9/35 = 0.18; B: 0.3 × 20/(40+20) = 0.1
    assert got["C"].hardness == pytest.approx(0.311111, abs=1e-6)
    assert got["F"].hardness == pytest.approx(0.18, abs=1e-9)
    assert got["B"].hardness == pytest.approx(0.1, abs=1e-9)
    assert [(e.rank, e.code) for e in r.hardest] == [(1, "A"), (2, "C"), (3, "F"), (4, "B")]
    # D: two answers only (3 needed, no ratings): not enough evidence, however hard they say.
    # E: plenty of evidence and no problem at all: not ranked either.
    others = {e.code: e for e in r.others}
    assert set(others) == {"D", "E"} and not others["D"].enough and not others["E"].enough
    assert others["D"].hardness == pytest.approx(0.7 * 2 / 7)  # would be 2nd with enough
    assert any("证据不足" in line and "3 份" in line for line in others["D"].explanation)
    assert "难办指数 = 0.70 × 8/(10+5) + 0.30 × 5/(500+20) = 37.6%。" in got["A"].explanation
    # A busy counter's good ratings do not hide what the review says: A's 495 good ratings
    # leave it first, and B's 差评 alone cannot beat a section the review names.


def test_ties_go_to_more_problem_answers_then_more_negative_ratings_then_code() -> None:
    r = compute_hardest_sections(
        aggregates({"H": (3, 3), "G": (3, 3), "C": (6, 3)}, {"C": (10, 10)})
    )
    assert r is not None
    # G, H: 0.7 × 3/8 = 0.2625 each, same P and D: by code. C: 0.7 × 3/11 + 0.3 × 10/30 =
    # 0.190909 + 0.1 = 0.290909 first.
    assert [e.code for e in r.hardest] == ["C", "G", "H"]
    assert r.hardest[1].hardness == r.hardest[2].hardness == pytest.approx(0.2625)


def test_a_verified_misconduct_puts_a_section_first_whatever_its_evidence() -> None:
    r = compute_hardest_sections({**CASE, "section_misconduct": ["Z"]})
    assert r is not None
    assert [e.code for e in r.hardest][:3] == ["Z", "A", "C"]
    z = r.hardest[0]
    assert z.rank == 1 and z.misconduct and z.answers == 0 and z.ratings == 0
    assert "直接列最难办事科室第 1 名" in z.explanation[0]
    # Two of them: both ahead, by code; the quota still holds.
    r = compute_hardest_sections(
        {**CASE, "section_misconduct": ["Z", "E"]}, settings=HardestSettings(hardest_count=3)
    )
    assert r is not None and [e.code for e in r.hardest] == ["E", "Z", "A"]


def test_streaks_escalate_from_a_talk_to_the_head_to_the_supervising_leader() -> None:
    history = [
        QuarterOutcome("2026Q2", section_top3={"A", "F"}),
        QuarterOutcome("2026Q3", section_top3={"A", "C"}),
    ]
    r = compute_hardest_sections(CASE, history=history)
    assert r is not None
    got = {e.code: e for e in r.hardest}
    # A: top 3 in Q2, Q3 and now: three in a row.
    assert got["A"].top3_streak == 3 and got["A"].escalation == "免去分管领导"
    assert "连续3次位列前3：免去分管领导职务" in got["A"].consequences
    # C: Q3 and now: two in a row.
    assert got["C"].top3_streak == 2 and got["C"].escalation == "免去科室负责人"
    # F: Q2 and now, but not Q3: the streak broke.
    assert got["F"].top3_streak == 1 and got["F"].escalation == "约谈"
    # B: 4th, in the top 10: a talk and no promotion for 3 months.
    assert got["B"].top3_streak == 0
    assert got["B"].consequences == ["约谈科室负责人，3个月内不得提拔重用"]
    # A missing quarter breaks a streak too.
    r = compute_hardest_sections(CASE, history=[QuarterOutcome("2026Q2", section_top3={"A"})])
    assert r is not None and r.hardest[0].top3_streak == 1
    assert r.top3 == {"A", "C", "F"} and r.top10 == {"A", "B", "C", "F"}


def test_main_problems_count_review_marks_and_negative_reasons_together() -> None:
    r = compute_hardest_sections(
        aggregates(
            {"A": (10, 8)},
            {"A": (500, 5)},
            problems=[("A", "tui", 6), ("A", "lan", 3), ("A", "leng", 1)],
            reasons=[("A", "leng", 2), ("A", "H01", 4)],
        )
    )
    assert r is not None
    # tui 6; H01 4 (差评 only); leng 1 + 2 = 3 ties lan 3, and 冷 comes before 懒.
    assert r.hardest[0].problems == [
        ("tui", "推", 6),
        ("H01", "等候时间太长", 4),
        ("leng", "冷", 3),
    ]
    r2 = compute_hardest_sections(
        aggregates({"A": (10, 8)}, problems=[("A", "lan", 3), ("A", "leng", 3)])
    )
    assert r2 is not None and [p[0] for p in r2.hardest[0].problems] == ["leng", "lan"]


def test_only_the_reviews_sections_take_part_and_a_hall_without_sections_has_no_ranking() -> None:
    r = compute_hardest_sections(aggregates({"A": (10, 8), "C": (4, 4)}, review_sections=["C"]))
    assert r is not None and [e.code for e in r.hardest] == ["C"]
    no_review = {**CASE, "review": None}
    r = compute_hardest_sections(no_review)
    # 差评 only: B 0.3 × 20/60 = 0.1, A 0.3 × 5/520 = 0.0028846.
    assert r is not None and [e.code for e in r.hardest] == ["B", "A"]
    assert r.hardest[1].hardness == pytest.approx(0.0028846, abs=1e-7)
    assert compute_hardest_sections({**CASE, "sections": []}) is None
    assert compute_hardest_sections({"quarter": "2026Q4"}) is None


def test_settings_come_from_the_roster() -> None:
    agg = {**CASE, "settings": {"w_review": "1", "w_ratings": "0", "hardest_count": "2"}}
    r = compute_hardest_sections(agg)
    assert r is not None
    assert [e.code for e in r.hardest] == ["A", "C"]
    assert r.hardest[0].hardness == pytest.approx(8 / 15)
    assert HardestSettings.from_mapping({"w_review": "x", "min_answers": "-2"}) == HardestSettings()


def test_anonymous_naming_shows_the_window_category_only() -> None:
    named = compute_hardest_sections(CASE)
    assert named is not None and not named.anonymous
    assert named.hardest[0].label == "登记受理科 · 单位BDC"
    r = compute_hardest_sections({**CASE, "settings": {"naming": "匿名"}})
    assert r is not None and r.anonymous
    assert {e.label for e in r.hardest} == {"无差别综合窗口"}
    assert [e.code for e in r.hardest] == [e.code for e in named.hardest]  # same places
    for e in r.hardest:
        assert not any(e.name in line or e.unit_name in line for line in e.explanation)
