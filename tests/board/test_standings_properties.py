"""Properties of the standings engine that must hold for any hall, checked with hypothesis.

Generated halls: 1-9 units with ASCII codes and names drawn from characters that occur in no
category name and no sentence the engine writes, so "a name leaked" can be checked by substring.
Counts per level 0-60 (so some units fall below min_ratings), some flagged, some 差评 reasons,
some inspections, now and then a misconduct, and a random slice of the settings.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from board.standings import Settings, compute_standings

CODES = [f"U{i:02d}" for i in range(1, 10)]
NAME_CHARS = "甲乙丙丁戊己庚辛壬癸"  # never used by category names or the engine's texts
CATEGORIES = [("WZB", "无差别综合窗口"), ("BDC", "不动产登记专区"), ("SB", "社保医保专区")]
REASONS = ["leng", "lan", "tui", "luan", "tan", "queue"]
WEEKS = ["2026-07-06", "2026-07-13", "2026-07-20"]


@st.composite
def halls(draw: st.DrawFn, *, misconduct: bool = True) -> dict[str, Any]:
    n_units = draw(st.integers(1, len(CODES)))
    codes = CODES[:n_units]
    names = draw(
        st.lists(st.text(NAME_CHARS, min_size=3, max_size=3), min_size=n_units, max_size=n_units)
    )
    units = [
        {"code": c, "name": f"{nm}局", "category": draw(st.sampled_from(CATEGORIES))[0]}
        for c, nm in zip(codes, names, strict=True)
    ]
    counts: list[dict[str, Any]] = []
    reason_counts: list[dict[str, Any]] = []
    inspections: list[dict[str, Any]] = []
    for c in codes:
        # One draw per unit keeps generation cheap; each level is split over two weeks so that
        # a unit has several rows to shuffle.
        per_level = draw(st.lists(st.integers(0, 30), min_size=5, max_size=5))
        flagged = draw(st.sampled_from([0, 0, 0, 1, 5]))
        for level, n in enumerate(per_level, start=1):
            first = n // 2
            counts.append({"unit": c, "week": WEEKS[0], "level": level, "n": first, "flagged": 0})
            counts.append(
                {
                    "unit": c,
                    "week": WEEKS[level % 3],
                    "level": level,
                    "n": n - first,
                    "flagged": flagged if level == 5 else 0,
                }
            )
        negative = per_level[0] + per_level[1]
        if negative:
            for reason in draw(st.lists(st.sampled_from(REASONS), max_size=3, unique=True)):
                reason_counts.append(
                    {
                        "unit": c,
                        "week": WEEKS[1],
                        "reason": reason,
                        "n": draw(st.integers(1, negative)),
                    }
                )
        for _ in range(draw(st.integers(0, 2))):
            inspections.append(
                {
                    "unit": c,
                    "dimension": draw(st.sampled_from(["image", "behaviour", "discipline"])),
                    "points": draw(st.sampled_from([-20, -10, -5, -2, 2, 5])),
                    "note": draw(st.sampled_from(["迟到", "着装", "表扬", ""])),
                }
            )
    bad = draw(st.lists(st.sampled_from(codes), max_size=2, unique=True)) if misconduct else []
    return {
        "hall": {"code": "H", "name": "测试大厅", "tz": "Asia/Shanghai"},
        "quarter": "2026Q3",
        "settings": {},
        "generated_at": "2026-08-01T00:00:00+00:00",
        "categories": [{"code": k, "name": v} for k, v in CATEGORIES],
        "units": units,
        "reasons": [{"code": r, "name": r} for r in REASONS],
        "counts": counts,
        "reason_counts": reason_counts,
        "inspections": inspections,
        "misconduct": bad if draw(st.integers(0, 3)) == 0 else [],
        "prior_mean": draw(st.sampled_from([None, 85.0, 92.5])),
    }


hall_settings = st.builds(
    Settings,
    min_ratings=st.integers(1, 60),
    prior_m=st.sampled_from([0.0, 5.0, 20.0]),
    red_count=st.integers(0, 5),
    black_count=st.integers(0, 3),
    black_threshold=st.sampled_from([80.0, 85.0, 95.0, 99.0]),
    hardest_count=st.integers(0, 10),
    naming=st.sampled_from(["named", "anonymous"]),
)


@settings(max_examples=150, deadline=None)
@given(halls(), hall_settings, st.randoms(use_true_random=False))
def test_the_order_of_rows_in_the_input_does_not_change_the_result(
    agg: dict[str, Any], s: Settings, rnd: Any
) -> None:
    shuffled = dict(agg)
    for key in ("units", "counts", "reason_counts", "inspections", "misconduct", "categories"):
        rows = list(agg[key])
        rnd.shuffle(rows)
        shuffled[key] = rows
    assert compute_standings(shuffled, settings=s) == compute_standings(agg, settings=s)


@settings(max_examples=150, deadline=None)
@given(halls(), hall_settings, st.data())
def test_one_more_very_satisfied_never_lowers_a_rank_nor_moves_another_unit(
    agg: dict[str, Any], s: Settings, data: st.DataObject
) -> None:
    code = data.draw(st.sampled_from([u["code"] for u in agg["units"]]))
    before = compute_standings(agg, settings=s)
    more = dict(agg)
    more["counts"] = [*agg["counts"], {"unit": code, "week": WEEKS[0], "level": 5, "n": 1}]
    after = compute_standings(more, settings=s)
    old, new = before.unit(code), after.unit(code)
    assert new.citizen_score >= old.citizen_score
    if old.rank is not None:
        assert new.rank is not None and new.rank <= old.rank
    for u in before.units:
        if u.code != code:
            assert after.unit(u.code).citizen_score == u.citizen_score
            assert after.unit(u.code).quarter_score == u.quarter_score


@settings(max_examples=150, deadline=None)
@given(halls(), hall_settings)
def test_a_unit_below_min_ratings_is_on_no_list_unless_it_has_a_verified_misconduct(
    agg: dict[str, Any], s: Settings
) -> None:
    # The one exception, by rule: 一票否决 puts a unit on the black list (and first on the
    # hardest list) whatever its number of ratings.
    s = dataclasses.replace(s, naming="named")
    result = compute_standings(agg, settings=s)
    listed = {
        *(e.unit_code for e in result.red_list),
        *(e.unit_code for e in result.black_list),
        *(e.unit_code for e in result.hardest),
    }
    for u in result.units:
        if u.n < s.min_ratings:
            assert u.rank is None and u.needs_more == s.min_ratings - u.n
            if u.misconduct:
                assert u.status == "black" and u.code in listed
            else:
                assert u.status == "not_enough" and u.code not in listed
        else:
            assert u.rank is not None and u.needs_more == 0


@settings(max_examples=150, deadline=None)
@given(halls(misconduct=False), hall_settings)
def test_black_list_is_empty_when_every_unit_scores_at_least_the_threshold(
    agg: dict[str, Any], s: Settings
) -> None:
    scores = [u.quarter_score for u in compute_standings(agg, settings=s).units]
    at_most_lowest = dataclasses.replace(s, black_threshold=min(scores))
    result = compute_standings(agg, settings=at_most_lowest)
    assert result.black_list == []
    assert result.black_list_empty_reason is not None
    assert result.black_list_empty_reason.startswith("本季度无单位列入黑榜：")


@settings(max_examples=150, deadline=None)
@given(halls(), hall_settings)
def test_anonymous_mode_never_names_a_unit_on_the_black_or_hardest_list(
    agg: dict[str, Any], s: Settings
) -> None:
    # A low threshold of evidence would make the list rarely non-empty; make it likely.
    s = dataclasses.replace(s, naming="anonymous", black_threshold=99.0, black_count=3)
    result = compute_standings(agg, settings=s)
    secrets = [u["code"] for u in agg["units"]] + [u["name"] for u in agg["units"]]
    for entry in [*result.black_list, *result.hardest]:
        assert entry.unit_code is None
        shown = f"{entry.label} {entry.reason}"
        assert not any(secret in shown for secret in secrets), shown
        assert entry.label in {name for _, name in CATEGORIES}


def test_the_generated_halls_reach_every_list() -> None:
    """Guard the generator itself: the properties above must see lists that are not empty."""
    seen = {"black": 0, "red": 0, "hardest": 0, "not_enough": 0}

    @settings(max_examples=200, deadline=None, database=None)
    @given(halls(), hall_settings)
    def look(agg: dict[str, Any], s: Settings) -> None:
        s = dataclasses.replace(s, black_threshold=99.0, black_count=3)
        r = compute_standings(agg, settings=s)
        seen["black"] += bool(r.black_list)
        seen["red"] += bool(r.red_list)
        seen["hardest"] += bool(r.hardest)
        seen["not_enough"] += any(u.status == "not_enough" for u in r.units)

    look()
    assert all(v > 10 for v in seen.values()), seen
